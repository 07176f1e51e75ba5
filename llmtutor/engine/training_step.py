"""One complete training step on a tiny character-level model, every number on show.

The cycle of the source's "One Training Step, End to End", on its working example's text:

    sample a batch    B random positions i of the text: input x = text[i], target y = text[i+1]
    tokenize          each character → its id in the sorted vocabulary (V = 28 characters)
    forward           logits z = W[x] (a V×V bigram table, all zeros at the start), p = softmax(z)
    loss              L = mean over the batch of −ln p(y)           (ln V when p is uniform)
    backward          ∂L/∂W[x, j] = (p_j − [j = y]) ÷ B, summed over the batch's examples
    Adam step         m, v, bias correction, W = W − lr·m̂ ÷ (√v̂ + ε)   (every logit at once)
    repeat            fresh seeded batches, `steps` more times: the loss falls

A bigram table predicts the next character from the current one only, so it cannot memorize
the text as the source's transformer does: its best possible loss (`floor_loss`) is the
text's conditional entropy of the next character given the current one, well above 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from llmtutor.engine.adam import sub
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.toy_network import compared
from llmtutor.engine.trace import Series, Trace

if TYPE_CHECKING:
    import numpy as np

TEXT = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. "
EPS = 1e-8  # Adam's ε, as in torch.optim.Adam

# The source's scale arithmetic for Llama 2.
LLAMA_TOKENS = 2e12  # training tokens
LLAMA_SEQUENCES = 1024  # sequences in one batch
LLAMA_SEQ_LEN = 4096  # tokens in one sequence

INPUTS = (
    InputSpec(
        "batch",
        4,
        "how many (character → next character) pairs in a batch",
        symbol="B",
        kind="int",
        minimum=1,
        maximum=16,
    ),
    InputSpec("seed", 0, "which positions of the text are sampled", kind="int", minimum=0),
    InputSpec("lr", 0.1, "Adam's learning rate", positive=True, maximum=10),
    InputSpec(
        "steps",
        50,
        "further training steps, each on a fresh batch",
        symbol="N",
        kind="int",
        minimum=1,
        maximum=2000,
    ),
    InputSpec("beta1", 0.9, "how much momentum history to keep", symbol="β1", minimum=0, below=1),
    InputSpec(
        "beta2", 0.999, "how slowly the squared average moves", symbol="β2", minimum=0, below=1
    ),
)

VOCAB = tuple(sorted(set(TEXT)))
IDS = {char: index for index, char in enumerate(VOCAB)}


def show(char: str) -> str:
    """A character as the learner reads it: 't' → "'t'", a space → "' '"."""
    return f"'{char}'"


def exp(value: float) -> float:
    """e^value, ∞ rather than an error when it overflows."""
    return math.exp(value) if value < 709 else math.inf


def listed(values: list[float], most: int = 4) -> str:
    """`a + b + c` for a sum in a substituted formula; long lists keep both ends."""
    shown = [fmt(v) for v in values]
    if len(shown) > most:
        shown = [*shown[: most - 1], "…", shown[-1]]
    return " + ".join(shown)


def _probability_text(row: np.ndarray, target: int) -> str:
    """e^z[y] ÷ Σ e^z with the numbers put in."""
    logits = row.tolist()
    if all(z == logits[0] for z in logits):
        return f"e^{term(logits[0])} ÷ ({len(logits)} × e^{term(logits[0])})"
    total = sum(math.exp(z) for z in logits) if max(logits) < 709 else math.inf
    return f"e^{term(logits[target])} ÷ {fmt(total)}"


def compute(
    batch: int = 4,
    seed: int = 0,
    lr: float = 0.1,
    steps: int = 50,
    beta1: float = 0.9,
    beta2: float = 0.999,
) -> Trace:
    # numpy comes in with the first training step computed, not with the list of lessons.
    import numpy as np

    from llmtutor.engine import bigram

    batch, seed, steps = int(batch), int(seed), int(steps)
    t = Trace()
    t.given("batch", batch, "B")
    t.given("seed", seed)
    t.given("lr", lr)
    t.given("steps", steps, "N")
    t.given("beta1", beta1, "β1")
    t.given("beta2", beta2, "β2")
    t.add("eps", "ε", "", "", EPS, note="keeps Adam's division safe")

    # The data and its vocabulary.
    size = t.add("vocab", "V", "distinct characters", "", len(VOCAB), note="".join(VOCAB))
    length = t.add("text_len", "n", "characters in the text", "", len(TEXT))
    t.add("pairs", "n − 1", "n − 1", f"{fmt(length)} − 1", length - 1, note="positions to sample")
    t.add("params", "V²", "V × V", f"{fmt(size)} × {fmt(size)}", size * size, note="W: all 0")

    # 1–2. Sample a batch and tokenize it.
    rng = np.random.default_rng(seed)
    positions = bigram.sample(rng, batch)
    xs, ys = bigram.TOKENS[positions], bigram.TOKENS[positions + 1]
    for k, (i, x, y) in enumerate(zip(positions, xs, ys, strict=True), start=1):
        s = sub(k)
        t.add(f"pos_{k}", f"pos{s}", "random position", "", i, note=_pair(x, y))
        t.add(f"x_{k}", f"x{s}", f"id of text[pos{s}]", "", x, note=show(VOCAB[x]))
        t.add(f"y_{k}", f"y{s}", f"id of text[pos{s}+1]", "", y, note=show(VOCAB[y]))

    # 3. Forward pass: the row of logits for each input character, softmax, p of the target.
    weights = np.zeros((len(VOCAB), len(VOCAB)))
    logp = bigram.log_softmax(weights[xs])
    probs = np.exp(logp)
    losses = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        s, row = sub(k), k - 1
        p = t.add(
            f"p_{k}",
            f"p{s}",
            f"e^z[y{s}] ÷ Σ e^z, z = W[x{s}]",
            _probability_text(weights[x], y),
            probs[row, y],
            note=f"p({show(VOCAB[y])} after {show(VOCAB[x])})",
        )
        losses.append(
            t.add(f"L_{k}", f"L{s}", f"−ln p{s}", f"−ln {fmt(p)}", -logp[row, y]),
        )

    # 4. Cross-entropy loss: the mean over the batch.
    loss = t.add(
        "loss",
        "L",
        f"(L₁ + … + L{sub(batch)}) ÷ B" if batch > 1 else "L₁ ÷ B",
        f"({listed(losses)}) ÷ {batch}",
        bigram.batch_loss(weights, xs, ys),
    )
    uniform = t.add(
        "uniform", "ln V", "ln V", f"ln {fmt(size)}", math.log(size), note="a uniform guess"
    )
    t.add(
        "perplexity",
        "e^L",
        "e^L",
        f"e^{term(loss)}",
        exp(loss),
        note=f"choosing among {fmt(exp(uniform))} characters",
    )

    # 5. Backward pass: softmax + cross-entropy gives p − onehot(y), divided by B.
    grad = bigram.gradient(weights, xs, ys)
    x1, y1 = int(xs[0]), int(ys[0])
    same_row = [k for k in range(batch) if xs[k] == x1]
    shared = t.add(
        "shared",
        "n₁",
        "examples with x = x₁",
        "",
        len(same_row),
        note=f"their gradients add in row {show(VOCAB[x1])}",
    )
    p1 = float(probs[0, y1])
    if len(same_row) == 1:
        formula, text = "(p₁ − 1) ÷ B", f"({fmt(p1)} − 1) ÷ {batch}"
    else:
        formula = "Σ (p₁ − [yₖ = y₁]) ÷ B, xₖ = x₁"
        parts = [f"({fmt(p1)} − {int(ys[k] == y1)})" for k in same_row]
        text = f"({' + '.join(parts)}) ÷ {batch}"
    g_correct = t.add(
        "grad_correct",
        "∂L/∂z[y₁]",
        formula,
        text,
        grad[x1, y1],
        note=_push(grad[x1, y1], VOCAB[y1]),
    )
    targets_in_row = {int(ys[k]) for k in same_row}
    wrong = next(j for j in range(len(VOCAB)) if j not in targets_in_row)
    q = t.add(
        "q_wrong",
        "q",
        "p of a wrong char after x₁",
        _probability_text(weights[x1], wrong),
        probs[0, wrong],
        note=f"p({show(VOCAB[wrong])} after {show(VOCAB[x1])})",
    )
    g_wrong = t.add(
        "grad_wrong",
        "∂L/∂z[w]",
        "(q − 0) ÷ B" if shared == 1 else "n₁ × (q − 0) ÷ B",
        (
            f"({fmt(q)} − 0) ÷ {batch}"
            if shared == 1
            else f"{len(same_row)} × ({fmt(q)} − 0) ÷ {batch}"
        ),
        grad[x1, wrong],
        note=_push(grad[x1, wrong], VOCAB[wrong]),
    )
    rows = t.add(
        "rows",
        "rows used",
        "distinct x in the batch",
        "",
        len(set(xs.tolist())),
        note="each used row gets a gradient",
    )
    t.add(
        "touched",
        "touched",
        "rows used × V",
        f"{fmt(rows)} × {fmt(size)}",
        float(np.count_nonzero(grad)),
        note=f"of {fmt(size * size)}; the rest have gradient 0",
    )

    # 6. Adam step on every logit; shown for the correct logit of example 1.
    m1 = t.add(
        "m_1", "m₁", "(1 − β1)·g", f"{term(1 - beta1)} × {term(g_correct)}", (1 - beta1) * g_correct
    )
    v1 = t.add(
        "v_1",
        "v₁",
        "(1 − β2)·g²",
        f"{term(1 - beta2)} × {term(g_correct)}²",
        (1 - beta2) * g_correct * g_correct,
    )
    mhat = t.add(
        "mhat_1",
        "m̂₁",
        "m₁ ÷ (1 − β1)",
        f"{fmt(m1)} ÷ {term(1 - beta1)}",
        m1 / (1 - beta1),
        note="= g",
    )
    vhat = t.add(
        "vhat_1",
        "v̂₁",
        "v₁ ÷ (1 − β2)",
        f"{fmt(v1)} ÷ {term(1 - beta2)}",
        v1 / (1 - beta2),
        note="= g²",
    )
    t.add(
        "adam_ratio",
        "m̂₁ ÷ √v̂₁",
        "g ÷ √g² = g ÷ |g|",
        f"{fmt(mhat)} ÷ √{term(vhat)}",
        mhat / math.sqrt(vhat) if vhat > 0 else 0.0,
        note="±1 at step 1, whatever g's size",
    )
    optimizer = bigram.Adam(weights.shape, lr, beta1, beta2)
    new_weights = optimizer.step(weights, grad)
    update = t.add(
        "update_1",
        "u₁",
        "lr·m̂₁ ÷ (√v̂₁ + ε)",
        f"{fmt(lr)} × {term(mhat)} ÷ (√{term(vhat)} + {term(EPS)})",
        weights[x1, y1] - new_weights[x1, y1],
        note="≈ −lr: the logit rises by lr",
    )
    t.add(
        "correct_after",
        "z[y₁]'",
        "z[y₁] − u₁",
        f"{term(weights[x1, y1])} − {term(update)}",
        new_weights[x1, y1],
    )
    wrong_update = t.add(
        "wrong_update",
        "u (wrong)",
        "lr·m̂ ÷ (√v̂ + ε)",
        f"{fmt(lr)} × {term(g_wrong)} ÷ (√{term(g_wrong)}² + {term(EPS)})",
        weights[x1, wrong] - new_weights[x1, wrong],
        note="≈ +lr though its gradient is far smaller",
    )
    t.add(
        "wrong_after",
        "z[w]'",
        "z[w] − u",
        f"{term(weights[x1, wrong])} − {term(wrong_update)}",
        new_weights[x1, wrong],
    )

    # The same batch, forward again: the loss is lower.
    logp_after = bigram.log_softmax(new_weights[xs])
    t.add(
        "p1_after",
        "p₁'",
        "e^z[y₁]' ÷ Σ e^z'",
        _probability_text(new_weights[x1], y1),
        math.exp(logp_after[0, y1]),
        note=f"was {fmt(p1)}",
    )
    after = t.add(
        "loss_after",
        "L'",
        "mean −ln p' on the same batch",
        f"({listed([-logp_after[k, ys[k]] for k in range(batch)])}) ÷ {batch}",
        bigram.batch_loss(new_weights, xs, ys),
        note=compared(bigram.batch_loss(new_weights, xs, ys), loss),
    )
    t.add("loss_drop", "L − L'", "L − L'", f"{fmt(loss)} − {term(after)}", loss - after)

    # 7. Repeat: fresh batches from the same seeded generator, the same rule every step.
    batch_losses = [loss]
    text_losses = [bigram.batch_loss(weights, bigram.TOKENS[:-1], bigram.TOKENS[1:])]
    weights = new_weights
    for _ in range(steps):
        positions = bigram.sample(rng, batch)
        xs, ys = bigram.TOKENS[positions], bigram.TOKENS[positions + 1]
        batch_losses.append(bigram.batch_loss(weights, xs, ys))
        text_losses.append(bigram.batch_loss(weights, bigram.TOKENS[:-1], bigram.TOKENS[1:]))
        weights = optimizer.step(weights, bigram.gradient(weights, xs, ys))
    final = t.add(
        "final_loss",
        "L (final)",
        f"L on step {steps}'s batch",
        "",
        batch_losses[-1],
        note="before that step's update",
    )
    t.add("final_perplexity", "e^L (final)", "e^L", f"e^{term(final)}", exp(final))
    t.add(
        "text_loss",
        "L (text)",
        "mean −ln p over all n − 1 pairs",
        "",
        text_losses[-1],
        note=f"at step {steps}; ln V at step 0",
    )
    t.add(
        "floor_loss",
        "L (best)",
        "H(next char | char)",
        "",
        bigram.conditional_entropy(),
        note="the best any bigram table can do",
    )

    # The source's scale: Llama 2's run.
    tokens = t.add("llama_tokens", "D", "", "", LLAMA_TOKENS, note="Llama 2's training tokens")
    per_batch = t.add(
        "llama_batch_tokens",
        "tokens/batch",
        "sequences × length",
        f"{LLAMA_SEQUENCES} × {LLAMA_SEQ_LEN}",
        LLAMA_SEQUENCES * LLAMA_SEQ_LEN,
        note="about 4 million",
    )
    t.add(
        "llama_steps",
        "steps",
        "D ÷ tokens/batch",
        f"{fmt(tokens)} ÷ {per_batch:.0f}",
        tokens / per_batch,
        note="roughly 500,000 steps",
    )

    axis = tuple(float(step) for step in range(steps + 1))
    t.add_series(
        Series(
            "loss_curve",
            "Batch loss at each training step",
            axis,
            tuple(batch_losses),
            x_label="step",
            y_label="loss",
            marks=((0.0, loss, "ln V"), (float(steps), final, f"step {steps}")),
        )
    )
    t.add_series(
        Series(
            "text_loss_curve",
            "Loss on the whole text at each step",
            axis,
            tuple(text_losses),
            x_label="step",
            y_label="loss",
        )
    )
    return t


def _pair(x: int, y: int) -> str:
    return f"{show(VOCAB[x])} → {show(VOCAB[y])}"


def _push(gradient: float, char: str) -> str:
    """Which way a logit's gradient sends it: the step moves against the gradient."""
    if gradient < 0:
        return f"negative → raise the logit of {show(char)}"
    if gradient > 0:
        return f"positive → lower the logit of {show(char)}"
    return f"zero → the logit of {show(char)} stays"
