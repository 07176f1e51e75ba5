# The article's training script (/work/shared/reference/how-llms-learn.md, "A Working
# Example"), verbatim: its lines and comments as printed there, indentation restored.
# benchmarks/process_speed.py runs it as a process of its own (python article_script.py),
# with torch's default threads, against `llmtutor train --plain`. Not linted or formatted:
# ruff: noqa
# fmt: off
import torch
import torch.nn as nn
# --- Tiny dataset: a paragraph repeated ---
text = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. "
text = text * 20 # repeat to have enough data. Real LLM training avoids repeating data
# because the model memorizes instead of learning general patterns.
# For our toy example, memorization is fine. If the loss goes down,
# the training loop is working correctly.
# --- Character-level tokenization (simple for demonstration) ---
vocab = sorted(set(text)) # all unique characters, sorted: [' ', '.', 'a', 'b', ...]
char_to_idx = {c: i for i, c in enumerate(vocab)} # character → integer ID: {' ': 0, '.': 1, 'a': 2, ...}
idx_to_char = {i: c for i, c in enumerate(vocab)} # integer ID → character (reverse lookup for decoding)
vocab_size = len(vocab) # determines embedding table and output layer size
data = torch.tensor([char_to_idx[c] for c in text], dtype=torch.long) # convert entire text to a tensor of token IDs
print(f"Vocab size: {vocab_size}, Dataset size: {len(data)} tokens")
# --- A tiny transformer model ---
torch.manual_seed(42) # for reproducible output
# Uses TransformerEncoderLayer as a causal (decoder-only) stack
# by applying a triangular attention mask that prevents future token access.
class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, num_layers=2, num_heads=2, max_seq_len=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim) # token → vector
        self.pos_embedding = nn.Embedding(max_seq_len, embed_dim) # position → vector (learned, not RoPE)
        encoder_layer = nn.TransformerEncoderLayer(
            d_model=embed_dim, nhead=num_heads,
            dim_feedforward=128, dropout=0.0, batch_first=True # dropout=0 for memorization demo
        )
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers)
        self.fc = nn.Linear(embed_dim, vocab_size) # project to vocabulary size
    def forward(self, x):
        seq_len = x.size(1)
        positions = torch.arange(seq_len, device=x.device) # [0, 1, 2, ..., seq_len-1]
        x = self.embedding(x) + self.pos_embedding(positions) # token vector + position vector, so "a" at position 0 differs from "a" at position 10
        # causal mask: each position can only attend to itself and earlier positions.
        # without this, position t could look at position t+1 which contains the answer.
        mask = nn.Transformer.generate_square_subsequent_mask(seq_len).to(x.device)
        x = self.transformer(x, mask=mask)
        return self.fc(x) # output: logits for each position
model = TinyTransformer(vocab_size)
criterion = nn.CrossEntropyLoss() # takes raw logits, applies softmax internally
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
# --- Training loop ---
seq_len, batch_size, num_steps = 32, 16, 500
for step in range(num_steps):
    # 1. Sample a random batch
    starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,))
    inputs = torch.stack([data[i : i + seq_len] for i in starts]) # input tokens
    targets = torch.stack([data[i + 1 : i + seq_len + 1] for i in starts]) # shifted by 1: if input is positions 5-36, target is 6-37
    # 2. Forward pass
    logits = model(inputs) # shape: [batch, seq_len, vocab_size]
    # 3. Compute loss. logits[:, t] is the prediction for targets[:, t],
    # which is the next character after inputs[:, t].
    # Reshape to [batch*seq_len, vocab_size] for cross-entropy.
    loss = criterion(logits.reshape(-1, vocab_size), targets.reshape(-1))
    # 4. Backward pass
    optimizer.zero_grad() # clear gradients from previous step (without this, gradients accumulate)
    loss.backward() # compute gradients for all parameters
    # 5. Optimizer step
    optimizer.step() # update parameters using Adam
    if step % 100 == 0:
        print(f"Step {step:4d} loss = {loss.item():.4f}")
# --- Generate text after training ---
model.eval() # switch to evaluation mode
with torch.no_grad(): # no need to track gradients
    prompt = torch.tensor([[char_to_idx['t']]])
    generated = prompt
    for _ in range(80): # keep total length <= max_seq_len (128)
        logits = model(generated)
        next_token = torch.argmax(logits[0, -1, :]).unsqueeze(0).unsqueeze(0) # greedy decoding
        generated = torch.cat([generated, next_token], dim=1)
print("\nGenerated:", ''.join(idx_to_char[i.item()] for i in generated[0]))
