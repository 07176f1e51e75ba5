"""How fast one training step could be with torch's kernels and nothing else.

    python benchmarks/kernel_floor.py [--repeat 5]

Times, on one thread, each kernel a step of the article's model runs (2 layers, 16 × 32
characters, width 64, feed-forward 128, 2 heads, 28 characters), called directly at the
step's shapes with no autograd and no Python around them, and sums them: the time a step
would take if everything but the kernels cost nothing. The source's loop (train_speed's
reference) and llmtutor's loop are timed in the same run (300 steps each, after an untimed
run of each), so the sum can be set against what 1.8× the reference's speed asks of a step.
Medians of --repeat rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import reference_loop, tutor_loop

ROWS, WIDTH, FF, VOCAB, HEADS, T, LAYERS = 512, 64, 128, 28, 2, 32, 2


def timed_us(run: Callable[[], object], calls: int = 400) -> float:
    for _ in range(calls // 4):
        run()
    began = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - began) / calls * 1e6


def linear(n_in: int, n_out: int) -> Callable[[], object]:
    """Forward (addmm), then backward: the input's gradient, the weight's and the bias's."""
    x, w, b = torch.randn(ROWS, n_in), torch.randn(n_out, n_in), torch.randn(n_out)
    g = torch.randn(ROWS, n_out)

    def run() -> object:
        torch.addmm(b, x, w.t())
        torch.mm(g, w)
        torch.mm(g.t(), x)
        return g.sum(0)

    return run


def attention() -> Callable[[], object]:
    q, k, v = (torch.randn(ROWS // T, HEADS, T, WIDTH // HEADS) for _ in range(3))
    flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    out, lse = flash(q, k, v, 0.0, True)
    g = torch.randn_like(out)

    def run() -> object:
        flash(q, k, v, 0.0, True)
        return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward(
            g, q, k, v, out, lse, 0.0, True
        )

    return run


def layer_norm() -> Callable[[], object]:
    x, w, b = torch.randn(ROWS, WIDTH), torch.ones(WIDTH), torch.zeros(WIDTH)
    _, mean, rstd = torch.native_layer_norm(x, [WIDTH], w, b, 1e-5)
    g = torch.randn(ROWS, WIDTH)

    def run() -> object:
        torch.native_layer_norm(x, [WIDTH], w, b, 1e-5)
        return torch.ops.aten.native_layer_norm_backward(
            g, x, [WIDTH], mean, rstd, w, b, [True, True, True]
        )

    return run


def relu() -> Callable[[], object]:
    h, g = torch.randn(ROWS, FF), torch.randn(ROWS, FF)

    def run() -> object:
        y = torch.relu(h)
        return torch.ops.aten.threshold_backward(g, y, 0)

    return run


def residual() -> Callable[[], object]:
    a, b = torch.randn(ROWS, WIDTH), torch.randn(ROWS, WIDTH)
    return lambda: a + b


def loss() -> Callable[[], object]:
    logits, targets = torch.randn(ROWS, VOCAB), torch.randint(0, VOCAB, (ROWS,))
    logp = torch.log_softmax(logits, 1)
    g = torch.randn(ROWS, VOCAB)

    def run() -> object:
        torch.log_softmax(logits, 1)
        torch.nn.functional.nll_loss(logp, targets)
        return torch._log_softmax_backward_data(g, logp, 1, torch.float32)

    return run


def embeddings() -> Callable[[], object]:
    table, ids = torch.randn(VOCAB, WIDTH), torch.randint(0, VOCAB, (ROWS,))
    g = torch.randn(ROWS, WIDTH)

    def run() -> object:
        table[ids]
        return torch.ops.aten.embedding_dense_backward(g, ids, VOCAB, -1, False)

    return run


def adam() -> Callable[[], object]:
    from llmtutor.training import TinyTransformer, TrainConfig

    params = [p.detach() for p in TinyTransformer(TrainConfig()).parameters()]
    grads = [torch.randn_like(p) for p in params]
    m, v = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    steps = [torch.tensor(1.0) for _ in params]

    def run() -> object:
        return torch._fused_adam_(
            params, grads, m, v, [], steps, lr=1e-9, beta1=0.9, beta2=0.999,
            weight_decay=0.0, eps=1e-8, amsgrad=False, maximize=False,
        )  # fmt: skip

    return run


def step_parts(steps: int = 300) -> dict[str, float]:
    """llmtutor's step taken apart: the median µs of each part over `steps` steps (after 100
    untimed), timed with perf_counter around each, as the loop runs them."""
    import torch.nn.functional as F

    from llmtutor.training import TrainConfig, build, get_batch

    setup = build(TrainConfig(steps=steps, device="cpu", sample_every=0))
    model, optimizer = setup.model, setup.optimizer
    times: dict[str, list[float]] = {}
    for step in range(steps + 100):
        marks = [time.perf_counter()]
        inputs, targets = get_batch(setup.data, 16, T, setup.batches)
        marks.append(time.perf_counter())
        logits = model(inputs)
        marks.append(time.perf_counter())
        loss = F.cross_entropy(logits.view(-1, VOCAB), targets.reshape(-1))
        marks.append(time.perf_counter())
        optimizer.zero_grad(set_to_none=True)
        marks.append(time.perf_counter())
        loss.backward()
        marks.append(time.perf_counter())
        optimizer.step()
        marks.append(time.perf_counter())
        if step >= 100:
            names = ("batch", "forward", "loss", "zero_grad", "backward", "Adam")
            for name, a, b in zip(names, marks, marks[1:], strict=False):
                times.setdefault(name, []).append((b - a) * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


# (name, kernel, times a step runs it)
KERNELS: list[tuple[str, Callable[[], Callable[[], object]], int]] = [
    ("q/k/v projection 64→192", lambda: linear(WIDTH, 3 * WIDTH), LAYERS),
    ("attention (flash, causal)", attention, LAYERS),
    ("output projection 64→64", lambda: linear(WIDTH, WIDTH), LAYERS),
    ("feed-forward in 64→128", lambda: linear(WIDTH, FF), LAYERS),
    ("feed-forward out 128→64", lambda: linear(FF, WIDTH), LAYERS),
    ("ReLU", relu, LAYERS),
    ("layer norm", layer_norm, 2 * LAYERS),
    ("residual add", residual, 2 * LAYERS),
    ("head 64→28", lambda: linear(WIDTH, VOCAB), 1),
    ("cross-entropy", loss, 1),
    ("embeddings", embeddings, 1),
    ("Adam (fused)", adam, 1),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    made = [(name, make(), count) for name, make, count in KERNELS]
    per_kernel: dict[str, list[float]] = {name: [] for name, _, _ in made}
    floors, references, tutors = [], [], []
    reference_loop(20), tutor_loop(20)  # untimed: imports and first calls
    for _ in range(args.repeat):
        references.append(reference_loop(300).steps_per_s)
        tutors.append(tutor_loop(300).steps_per_s)
        total = 0.0
        for name, run, count in made:
            us = timed_us(run) * count
            per_kernel[name].append(us)
            total += us
        floors.append(total)
    print(f"torch {torch.__version__}, 1 thread, medians of {args.repeat} rounds\n")
    print(f"{'kernels of one step':<34}{'µs a step':>10}")
    for name, _, count in made:
        print(f"{name + f' ×{count}':<34}{statistics.median(per_kernel[name]):>10.0f}")
    floor = statistics.median(floors) / 1000
    reference, tutor = statistics.median(references), statistics.median(tutors)
    asked = 1000 / (1.8 * reference)
    print(f"{'sum: the kernels alone':<34}{floor * 1000:>10.0f}")
    print(f"\nreference loop: {reference:.0f} steps/s, {1000 / reference:.2f} ms a step")
    print(f"llmtutor's loop: {tutor:.0f} steps/s, {1000 / tutor:.2f} ms a step")
    print(f"1.8× the reference asks for {asked:.2f} ms a step; the kernels alone take {floor:.2f}")
    print(f"left for everything else (autograd, Python, batches): {asked - floor:.2f} ms")
    print("\nllmtutor's step taken apart (median µs of 300 steps):")
    print("  " + ", ".join(f"{name} {us:.0f}" for name, us in step_parts().items()))


if __name__ == "__main__":
    main()
