"""A worked solution: one training step in PyTorch."""

import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    # Clear the gradients of the last step: backward() adds to what is there.
    optimizer.zero_grad()
    # Forward pass: one row of logits per input token, shape (B, V).
    logits = model(inputs)
    # Loss: cross-entropy of each example's real next token, averaged over
    # the batch (F.cross_entropy applies softmax itself).
    loss = F.cross_entropy(logits, targets)
    # Backward pass: a gradient for every weight of the table.
    loss.backward()
    # Optimizer step: Adam moves every weight, using those gradients.
    optimizer.step()
    # The loss of this batch, measured before the step, as a Python float.
    return loss.item()
