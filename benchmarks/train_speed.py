"""Training speed on the CPU: the source's loop, as the source writes it, against the loop in
`llmtutor.training` consumed headless (iterating its generator), same steps, same threads.

    python benchmarks/train_speed.py                  # 500 steps, 1 then 2 threads
    python benchmarks/train_speed.py --steps 200 --threads 2 --repeat 5

`reference_loop(steps)` and `tutor_loop(steps)` are importable (an in-app benchmark can time
them beside the interface). Each builds its model (seed 42) and trains; neither generates text
unless asked, so both time the same work: batches, forward, loss, backward, Adam.

The loops run interleaved (the order reversed every round), each round after the machine is
quiet; a run during which other processes took more than --max-others of the machine is run
again (up to 3 times), and the share they took is reported (benchmarks/load.py). The first
line gives the machine's speed at the time (one linear layer, timed): on a shared host it
moves every figure, and the ratios less.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import OthersLoad, wait_for_quiet


@dataclass(frozen=True)
class LoopResult:
    steps: int
    seconds: float  # building the model and training (no text generation)
    final_loss: float

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds


# --- the source's loop, as the source writes it --------------------------------------------


class SourceTinyTransformer(nn.Module):
    def __init__(self, vocab_size, embed_dim=64, num_layers=2, num_heads=2, max_seq_len=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)  # token → vector
        self.pos_embedding = nn.Embedding(max_seq_len, embed_dim)  # position → vector
        encoder_layer = nn.TransformerEncoderLayer(
            d_model=embed_dim,
            nhead=num_heads,
            dim_feedforward=128,
            dropout=0.0,
            batch_first=True,
        )
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers)
        self.fc = nn.Linear(embed_dim, vocab_size)  # project to vocabulary size

    def forward(self, x):
        seq_len = x.size(1)
        positions = torch.arange(seq_len, device=x.device)
        x = self.embedding(x) + self.pos_embedding(positions)
        mask = nn.Transformer.generate_square_subsequent_mask(seq_len).to(x.device)
        x = self.transformer(x, mask=mask)
        return self.fc(x)


def reference_loop(steps: int = 500) -> LoopResult:
    """The source's script, minus its prints and its final generation."""
    began = time.perf_counter()
    text = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. " * 20
    vocab = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(vocab)}
    vocab_size = len(vocab)
    data = torch.tensor([char_to_idx[c] for c in text], dtype=torch.long)

    torch.manual_seed(42)
    model = SourceTinyTransformer(vocab_size)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    seq_len, batch_size = 32, 16
    loss = None
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,))
        inputs = torch.stack([data[i : i + seq_len] for i in starts])
        targets = torch.stack([data[i + 1 : i + seq_len + 1] for i in starts])
        logits = model(inputs)
        loss = criterion(logits.reshape(-1, vocab_size), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            loss.item()  # the source prints it here
    final_loss = loss.item() if loss is not None else float("nan")
    return LoopResult(steps, time.perf_counter() - began, final_loss)


# --- llmtutor.training's loop, headless ----------------------------------------------------


def tutor_loop(steps: int = 500, *, as_the_app_runs_it: bool = False) -> LoopResult:
    """`llmtutor.training.train` iterated to the end. By default it reports every 10 steps and
    generates no text (the same work as reference_loop); `as_the_app_runs_it` adds its default
    samples (80 characters every 100 steps) and the final text."""
    from llmtutor.training import Finished, TrainConfig, train

    extra = {} if as_the_app_runs_it else {"sample_every": 0, "generate_len": 0}
    config = TrainConfig(steps=steps, device="cpu", **extra)
    began = time.perf_counter()
    finished = None
    for event in train(config):
        if isinstance(event, Finished):
            finished = event
    assert finished is not None
    return LoopResult(steps, time.perf_counter() - began, finished.final_loss)


# --- the table -----------------------------------------------------------------------------

LOOPS = {
    "reference (source's loop)": reference_loop,
    "llmtutor.training": tutor_loop,
    "llmtutor.training + samples": lambda steps: tutor_loop(steps, as_the_app_runs_it=True),
}


def quiet_loop(
    loop: Callable[[int], LoopResult], steps: int, max_others: float, tries: int
) -> tuple[LoopResult, float]:
    """One timed run, and the share of the machine other processes took during it; run again
    (after waiting for quiet) while that share was over `max_others`, up to `tries` times."""
    for attempt in range(tries):
        with OthersLoad() as load:
            result = loop(steps)
        if not load.share > max_others or attempt == tries - 1:
            break
        wait_for_quiet(limit_s=300)
    return result, load.share


def measure(
    steps: int, threads: int, repeat: int, max_others: float = 0.1, tries: int = 3
) -> tuple[dict[str, list[LoopResult]], list[float]]:
    """Each loop `repeat` times, interleaved (the order reversed every round) so a slow spell
    on the machine hits every loop; each round waits for a quiet machine first. Returns the
    results and, for every run, the share of the machine other processes took."""
    torch.set_num_threads(threads)
    for loop in LOOPS.values():  # warm up: first-call allocations and lazy initialisation
        loop(20)
    results: dict[str, list[LoopResult]] = {name: [] for name in LOOPS}
    others: list[float] = []
    for round_ in range(repeat):
        wait_for_quiet(limit_s=300)
        names = list(LOOPS) if round_ % 2 == 0 else list(reversed(LOOPS))
        for name in names:
            result, share = quiet_loop(LOOPS[name], steps, max_others, tries)
            results[name].append(result)
            others.append(share)
    return results, others


def matmul_probe_us() -> float:
    """The best of five timings of the model's largest linear layer (512 rows, 64 → 192) on
    one thread, in µs: how fast this machine is at the moment. On a shared host the same
    machine has read ~155 µs when quiet and 250 µs when others were busy on the host (which
    /proc/stat does not show); every figure moves with it, the ratios less."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    x, w, b = torch.randn(512, 64), torch.randn(192, 64), torch.randn(192)
    best = math.inf
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(200):
            torch.nn.functional.linear(x, w, b)
        best = min(best, (time.perf_counter() - began) / 200 * 1e6)
    torch.set_num_threads(threads)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each loop")
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.1,
        help="rerun a run while other processes used more than this share of the machine",
    )
    args = parser.parse_args(argv)

    print(f"torch {torch.__version__}, {args.steps} steps, {args.repeat} runs of each")
    print(f"machine speed: {matmul_probe_us():.0f} µs for one 512×64 → 192 linear, 1 thread")
    header = (
        f"{'loop':<30} {'threads':>7} {'steps/s median':>14} {'(best–worst)':>12}"
        f" {'× reference':>11} {'final loss':>10}"
    )
    print(header)
    print("-" * len(header))
    shares: list[float] = []
    for threads in args.threads:
        results, others = measure(args.steps, threads, args.repeat, args.max_others)
        shares += others
        reference = statistics.median(r.steps_per_s for r in results["reference (source's loop)"])
        for name, runs in results.items():
            speed = statistics.median(r.steps_per_s for r in runs)
            best = max(r.steps_per_s for r in runs)
            worst = min(r.steps_per_s for r in runs)
            print(
                f"{name:<30} {threads:>7} {speed:>14.0f} {f'({best:.0f}–{worst:.0f})':>12}"
                f" {speed / reference:>11.2f} {runs[-1].final_loss:>10.4f}"
            )
    print(
        f"other processes used {statistics.median(shares):.0%} of the machine in the median"
        f" run, {max(shares):.0%} at most ({os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
