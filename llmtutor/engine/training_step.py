"""One complete training step on a tiny character-level model, every number on show.

The cycle of the source's "One Training Step, End to End", on its working example's text:

    sample a batch    B random positions i of the text: input x = text[i], target y = text[i+1]
    tokenize          each character → its id in the sorted vocabulary (V = 28 characters)
    forward           logits z = W[x] (a V×V bigram table, all zeros at the start), p = softmax(z)
    loss              L = mean over the batch of −ln p(y)           (ln V when p is uniform)
    backward          ∂L/∂W[x, j] = (p_j − [j = y]) ÷ B, summed over the batch's examples
    Adam step         m, v, bias correction, W = W − lr·m̂ ÷ (√v̂ + ε)   (every logit at once)
    repeat            fresh seeded batches, `steps` more times

Every value of the first step is an `Expr`: its formula, its numbers and its value come from
one definition. Because W starts at 0, every probability in a row is 1/V, so a logit's
gradient depends only on how many examples read its row (n) and how many of them have it as
their target (c): (n·p − c) ÷ B. The same batch after the step is worked out row by row from
those gradients. The further steps, the losses on the whole text and the best loss a bigram
table can reach are measured by the loop in `bigram` (numpy), and recorded as such.

A bigram table predicts the next character from the current one only, so it cannot memorize
the text as the source's transformer does: its best possible loss (`floor_loss`) is the
text's conditional entropy of the next character given the current one, well above 0.
"""

from __future__ import annotations

import math
from collections import Counter

from llmtutor.engine import facts
from llmtutor.engine.expr import Expr, exp, ln, mean, sqrt
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

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

COUNTS = ("one", "several")
BATCH_SIZE = Fact("batch_size", "how many examples the batch holds (B)", COUNTS)
ROW_TARGETS = Fact(
    "row_targets",
    "how many different next characters follow x₁ in the batch: only y₁, or others too",
    COUNTS,
)
STEP_SIZE = Fact(
    "step_size",
    "whether Adam's first step moved the logits by ±lr ('lr'), or lr is so close to the "
    "smallest float that the update lost its digits ('rounded')",
    ("lr", "rounded"),
)
AFTER_STEP = Fact(
    "after_step", "the batch's loss after the step (L') against before it (L)", facts.CHANGES
)
NEW_LOGITS = Fact(
    "new_logits",
    "whether the batch after the step needs logits beyond z[y₁]' and z[w]' (other rows, or "
    "other characters that follow x₁)",
    ("some", "none"),
)
MORE_STEPS = Fact("more_steps", "how many further training steps N there are", COUNTS)
TEXT_LOSS = Fact(
    "text_loss",
    "the loss on the whole text after N steps, against ln V at step 0",
    facts.CHANGES,
)
FACTS = (BATCH_SIZE, ROW_TARGETS, STEP_SIZE, NEW_LOGITS, AFTER_STEP, MORE_STEPS, TEXT_LOSS)

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(index: int) -> str:
    """A number as a subscript: 12 -> '₁₂'."""
    return str(index).translate(_SUBSCRIPTS)


def show(char: str) -> str:
    """A character as the learner reads it: 't' → "'t'", a space → "' '"."""
    return f"'{char}'"


def bare(char: str) -> str:
    """A character inside a symbol such as z[e,␣]': itself, or ␣ for a space."""
    return "␣" if char == " " else char


def count(number: int) -> str:
    return "one" if number == 1 else "several"


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
    b_ = t.input("batch", batch, "B")
    t.input("seed", seed)
    lr_ = t.input("lr", lr)
    t.input("steps", steps, "N")
    beta1_ = t.input("beta1", beta1, "β1")
    beta2_ = t.input("beta2", beta2, "β2")
    eps = t.constant("eps", "ε", EPS, note="keeps Adam's division safe")
    t.fact(BATCH_SIZE, count(batch))
    t.fact(MORE_STEPS, count(steps))

    # The data and its vocabulary.
    size = t.constant("vocab", "V", len(VOCAB), note="distinct characters: " + "".join(VOCAB))
    length = t.constant("text_len", "n", len(TEXT), note="characters in the text")
    t.define("pairs", "n − 1", length - 1, note="positions to sample")
    t.define("params", "V²", size * size, note="the logits of W, all 0 at the start")

    # 1–2. Sample a batch and tokenize it.
    rng = np.random.default_rng(seed)
    positions = bigram.sample(rng, batch)
    xs = [int(x) for x in bigram.TOKENS[positions]]
    ys = [int(y) for y in bigram.TOKENS[positions + 1]]
    for k, (i, x, y) in enumerate(zip(positions.tolist(), xs, ys, strict=True), start=1):
        s = sub(k)
        t.constant(f"pos_{k}", f"pos{s}", i, note=f"drawn at random: {_pair(x, y)}")
        t.constant(f"x_{k}", f"x{s}", x, note=f"id of text[pos{s}] = {show(VOCAB[x])}")
        t.constant(f"y_{k}", f"y{s}", y, note=f"id of text[pos{s} + 1] = {show(VOCAB[y])}")

    # 3. Forward pass. W is all 0, so each row of logits z = W[x] is V zeros and softmax
    # gives every character e^z ÷ (V × e^z) = 1/V.
    z = t.constant("logit", "z", 0.0, note="every logit of W at the start")
    probs: list[Expr] = []
    losses: list[Expr] = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        s = sub(k)
        p = t.define(
            f"p_{k}",
            f"p{s}",
            exp(z) / (size * exp(z)),
            note=f"p({show(VOCAB[y])} after {show(VOCAB[x])}): softmax of a row of zeros",
        )
        probs.append(p)
        losses.append(t.define(f"L_{k}", f"L{s}", -ln(p)))

    # 4. Cross-entropy loss: the mean over the batch.
    loss = t.define("loss", "L", mean(losses))
    uniform = t.define("uniform", "ln V", ln(size), note="the loss of a uniform guess")
    perplexity = exp(loss)
    t.define(
        "perplexity",
        "e^L",
        perplexity,
        note=f"as unsure as a pick among {fmt(perplexity.value)} characters",
    )

    # 5. Backward pass: softmax + cross-entropy gives (p − [j = y]) ÷ B for each example,
    # added up in its row. Row x₁ is shown: the correct character y₁ and one wrong one.
    x1, y1 = xs[0], ys[0]
    rows = {x: [k for k in range(batch) if xs[k] == x] for x in dict.fromkeys(xs)}
    targets_of = {x: Counter(ys[k] for k in members) for x, members in rows.items()}
    n1 = len(rows[x1])
    shared = t.constant(
        "shared",
        "n₁",
        n1,
        note=f"examples with x = x₁: their gradients add in row {show(VOCAB[x1])}",
    )
    same_target = t.constant(
        "same_target",
        "c₁",
        targets_of[x1][y1],
        note=f"of those, examples with y = y₁ = {show(VOCAB[y1])}",
    )
    t.fact(ROW_TARGETS, count(len(targets_of[x1])))
    t.fact(NEW_LOGITS, "none" if len(rows) == 1 and len(targets_of[x1]) == 1 else "some")
    p1 = probs[0]
    # With n₁ = 1, c₁ is 1: the formula then reads (p₁ − 1) ÷ B.
    g_correct_def = (p1 - 1) / b_ if n1 == 1 else (shared * p1 - same_target) / b_
    # Always negative: n₁ ≤ B ≤ 16 < V, so n₁ × p₁ = n₁ ÷ V < 1 ≤ c₁.
    g_correct = t.define(
        "grad_correct", "∂L/∂z[y₁]", g_correct_def, note=_push(g_correct_def.value, VOCAB[y1])
    )
    wrong = next(j for j in range(len(VOCAB)) if j not in targets_of[x1])
    q = t.define(
        "q_wrong",
        "q",
        exp(z) / (size * exp(z)),
        note=f"p({show(VOCAB[wrong])} after {show(VOCAB[x1])}), a wrong character",
    )
    g_wrong_def = (q - 0) / b_ if n1 == 1 else (shared * q - 0) / b_
    g_wrong = t.define(
        "grad_wrong", "∂L/∂z[w]", g_wrong_def, note=_push(g_wrong_def.value, VOCAB[wrong])
    )
    used = t.constant("rows", "rows used", len(rows), note="distinct x in the batch")
    t.define(
        "touched",
        "touched",
        used * size,
        note=f"logits with a gradient, of {len(VOCAB) ** 2}; the rest have gradient 0",
    )

    # 6. Adam's first step, shown for the correct logit of example 1: m and v start at 0.
    m0 = t.constant("m_0", "m₀", 0.0, note="Adam's averages start at 0")
    v0 = t.constant("v_0", "v₀", 0.0)
    m1 = t.define("m_1", "m₁", beta1_ * m0 + (1 - beta1_) * g_correct)
    v1 = t.define("v_1", "v₁", beta2_ * v0 + (1 - beta2_) * g_correct**2)
    mhat = t.define("mhat_1", "m̂₁", m1 / (1 - beta1_), note="= ∂L/∂z[y₁]")
    vhat = t.define("vhat_1", "v̂₁", v1 / (1 - beta2_), note="= ∂L/∂z[y₁]²")
    t.define(
        "adam_ratio",
        "m̂₁ ÷ √v̂₁",
        mhat / sqrt(vhat),
        note="g ÷ √(g²) = g ÷ |g|: ±1 at step 1, whatever g's size",
    )
    update = t.define("update_1", "u₁", lr_ * mhat / (sqrt(vhat) + eps))
    correct_after = t.define("correct_after", "z[y₁]'", z - update)
    # Every logit's m̂ and v̂ at step 1 are its g and g², so its update is lr·g ÷ (√(g²) + ε).
    wrong_update = t.define(
        "wrong_update",
        "u (wrong)",
        lr_ * g_wrong / (sqrt(g_wrong**2) + eps),
        note="m̂ = g and v̂ = g² at step 1",
    )
    wrong_after = t.define("wrong_after", "z[w]'", z - wrong_update)
    t.fact(STEP_SIZE, _step_size(lr, update.value, wrong_update.value))

    # The same batch, forward again. A row's logits after the step: z − lr·g ÷ (√(g²) + ε)
    # for each character, with g = (n·p − c) ÷ B; only the row's targets differ from the rest.
    # Row x₁ has its y₁ and its wrong characters worked out above.
    def after(name: str, where: str, x: int, c: int) -> Expr:
        """The logit `where` of row x after the step: its gradient g, then the logit."""
        n, p = len(rows[x]), probs[rows[x][0]]  # every p in the row is its first example's
        g = t.define(f"rowgrad_{name}", f"g[{where}]", ((p if n == 1 else n * p) - c) / b_)
        return t.define(f"rowlogit_{name}", f"z[{where}]'", z - lr_ * g / (sqrt(g**2) + eps))

    sums: dict[int, Expr] = {}
    news: dict[int, dict[int, Expr]] = {}
    for x, members in rows.items():
        first = members[0]
        row = bare(VOCAB[x])
        known: dict[int, Expr] = {y1: correct_after} if x == x1 else {}
        for y, c in targets_of[x].items():
            if y not in known:
                known[y] = after(f"{x}t{y}", f"{row},{bare(VOCAB[y])}", x, c)
        other = wrong_after if x == x1 else after(f"{x}o", f"{row},·", x, 0)
        news[x] = known
        terms: Expr | None = None
        for logit in known.values():
            terms = exp(logit) if terms is None else terms + exp(logit)
        assert terms is not None
        rest = len(VOCAB) - len(known)
        sums[x] = t.define(
            f"sum_after_{first + 1}",
            f"Σe^z'[{row}]",
            terms + (size - len(known)) * exp(other),
            note=f"row {show(VOCAB[x])} after the step: its targets, then the other {rest}",
        )
    p1_after = t.define(
        "p1_after", "p₁'", exp(correct_after) / sums[x1], note=f"was {fmt(p1.value)}"
    )
    after_losses = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        definition = -ln(p1_after) if k == 1 else -ln(exp(news[x][y]) / sums[x])
        after_losses.append(t.define(f"L_after_{k}", f"L{sub(k)}'", definition))
    loss_after = t.define("loss_after", "L'", mean(after_losses))
    t.define("loss_drop", "L − L'", loss - loss_after)
    t.fact(AFTER_STEP, facts.change(loss_after.value, loss.value))

    # 7. Repeat: fresh batches from the same seeded generator, the same rule every step, run
    # by the numpy loop (its first step is the one above).
    weights = np.zeros((len(VOCAB), len(VOCAB)))
    optimizer = bigram.Adam(weights.shape, lr, beta1, beta2)
    first_x, first_y = np.array(xs), np.array(ys)
    everything = bigram.TOKENS[:-1], bigram.TOKENS[1:]
    batch_losses = [loss.value]
    text_losses = [bigram.batch_loss(weights, *everything)]
    weights = optimizer.step(weights, bigram.gradient(weights, first_x, first_y))
    for _ in range(steps):
        positions = bigram.sample(rng, batch)
        step_x, step_y = bigram.TOKENS[positions], bigram.TOKENS[positions + 1]
        batch_losses.append(bigram.batch_loss(weights, step_x, step_y))
        text_losses.append(bigram.batch_loss(weights, *everything))
        weights = optimizer.step(weights, bigram.gradient(weights, step_x, step_y))
    final = t.constant(
        "final_loss",
        "L (final)",
        batch_losses[-1],
        note=f"measured on step {steps}'s batch, before its update",
    )
    t.define("final_perplexity", "e^L (final)", exp(final))
    text_loss = t.constant(
        "text_loss",
        "L (text)",
        text_losses[-1],
        note=f"measured at step {steps}: mean −ln p over all n − 1 pairs",
    )
    t.fact(TEXT_LOSS, facts.change(text_loss.value, uniform.value))
    t.constant(
        "floor_loss",
        "L (best)",
        bigram.conditional_entropy(),
        note="H(next char | char): the best any bigram table can do",
    )

    # The source's scale: Llama 2's run.
    tokens = t.constant("llama_tokens", "D", LLAMA_TOKENS, note="Llama 2's training tokens")
    sequences = t.constant("llama_sequences", "sequences", LLAMA_SEQUENCES, note="in a batch")
    seq_len = t.constant("llama_seq_len", "length", LLAMA_SEQ_LEN, note="tokens in a sequence")
    per_batch = t.define(
        "llama_batch_tokens", "tokens/batch", sequences * seq_len, note="about 4 million"
    )
    t.define("llama_steps", "steps", tokens / per_batch, note="roughly 500,000 steps")

    axis = tuple(float(step) for step in range(steps + 1))
    t.add_series(
        Series(
            "loss_curve",
            "Batch loss at each training step",
            axis,
            tuple(batch_losses),
            x_label="step",
            y_label="loss",
            marks=((0.0, loss.value, "ln V"), (float(steps), final.value, f"step {steps}")),
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


def _step_size(lr: float, *updates: float) -> str:
    """ "lr" when every update is ±lr to a part in a thousand, "rounded" when lr is so close
    to the smallest float that lr × m̂ lost its digits."""
    close = all(math.isclose(abs(u), lr, rel_tol=1e-3) for u in updates)
    return "lr" if close else "rounded"
