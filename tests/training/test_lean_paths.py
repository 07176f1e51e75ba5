"""What the training loop does to be fast changes none of its numbers: the lean Adam steps
exactly as torch's fused Adam, the model's layout computes exactly what the straightforward
layout computes, and a default run never imports torch's compiler. Threads: every core for
`train --plain`, one spare for the app. (No timings here: speed is measured in benchmarks/.)"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F

from llmtutor.training import VOCAB_SIZE, TinyTransformer, TrainConfig, build, get_batch
from llmtutor.training.device import cores, default_threads
from llmtutor.training.model import Block
from llmtutor.training.optim import LeanAdam


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def batches(steps: int, seed: int = 42) -> list[tuple[torch.Tensor, torch.Tensor]]:
    setup = build(TrainConfig(device="cpu", seed=seed))
    return [get_batch(setup.data, 16, 32, setup.batches) for _ in range(steps)]


def backward(model: TinyTransformer, inputs: torch.Tensor, targets: torch.Tensor) -> None:
    logits = model(inputs)
    F.cross_entropy(logits.view(-1, VOCAB_SIZE), targets.reshape(-1)).backward()


def assert_same_state(
    lean: torch.optim.Optimizer, adam: torch.optim.Optimizer, a: TinyTransformer, b: TinyTransformer
) -> None:
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name
        for key in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(lean.state[p][key], adam.state[q][key]), (name, key)


def test_lean_adam_steps_exactly_as_torchs_fused_adam() -> None:
    torch.manual_seed(0)
    a = TinyTransformer(TrainConfig())
    b = TinyTransformer(TrainConfig())
    b.load_state_dict(a.state_dict())
    lean = LeanAdam(a.parameters(), lr=1e-3)
    adam = torch.optim.Adam(b.parameters(), lr=1e-3, fused=True)
    for step, (inputs, targets) in enumerate(batches(12)):
        for model, optimizer in ((a, lean), (b, adam)):
            optimizer.zero_grad(set_to_none=True)
            backward(model, inputs, targets)
            if step == 5:  # a weight without a gradient: Adam's own step, which skips it
                model.head.bias.grad = None
            optimizer.step()
        assert_same_state(lean, adam, a, b)
    # The state reads as Adam's: one step count per weight, each its own number.
    assert lean.state[a.head.bias]["step"].item() == 11
    assert lean.state[a.head.weight]["step"].item() == 12


def test_lean_adam_state_saves_and_loads_as_adams() -> None:
    torch.manual_seed(1)
    a = TinyTransformer(TrainConfig())
    b = TinyTransformer(TrainConfig())
    b.load_state_dict(a.state_dict())
    lean = LeanAdam(a.parameters(), lr=1e-3)
    adam = torch.optim.Adam(b.parameters(), lr=1e-3, fused=True)
    data = batches(6, seed=1)
    for inputs, targets in data[:3]:
        for model, optimizer in ((a, lean), (b, adam)):
            optimizer.zero_grad(set_to_none=True)
            backward(model, inputs, targets)
            optimizer.step()
    # Adam's state into the lean optimizer, and the lean one's back (copies: a state dict
    # holds the optimizer's own tensors, and loading keeps tensors already in place)
    lean.load_state_dict(copy.deepcopy(adam.state_dict()))
    adam.load_state_dict(copy.deepcopy(lean.state_dict()))
    for inputs, targets in data[3:]:
        for model, optimizer in ((a, lean), (b, adam)):
            optimizer.zero_grad(set_to_none=True)
            backward(model, inputs, targets)
            optimizer.step()
        assert_same_state(lean, adam, a, b)


def straightforward_forward(model: TinyTransformer, ids: torch.Tensor) -> torch.Tensor:
    """The model as first written: (B, T, C) throughout, q/k/v permuted to the front,
    positions looked up; the layout the lean forward replaced."""
    B, T = ids.shape
    x = model.token_embedding(ids) + model.position_embedding(torch.arange(T))
    for block in model.blocks:
        assert isinstance(block, Block)
        C = x.size(-1)
        qkv = block.qkv(x).view(B, T, 3, block.n_heads, C // block.n_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(B, T, C)
        x = block.norm1(x + block.out_proj(y))
        x = block.norm2(x + block.ff_out(F.relu(block.ff_in(x))))
    return model.head(x)


def test_the_lean_layout_computes_exactly_what_the_straightforward_one_does() -> None:
    torch.manual_seed(2)
    model = TinyTransformer(TrainConfig())
    inputs, targets = batches(1, seed=2)[0]
    grads = []
    for forward in (model.forward, lambda ids: straightforward_forward(model, ids)):
        model.zero_grad(set_to_none=True)
        logits = forward(inputs)
        F.cross_entropy(logits.view(-1, VOCAB_SIZE), targets.reshape(-1)).backward()
        grads.append((logits.detach(), [p.grad.clone() for p in model.parameters()]))
    (lean_logits, lean_grads), (plain_logits, plain_grads) = grads
    assert torch.equal(lean_logits, plain_logits)
    for lean, plain in zip(lean_grads, plain_grads, strict=True):
        assert torch.equal(lean, plain)


def test_a_default_run_never_imports_torchs_compiler() -> None:
    """torch.optim's optimizers import torch._dynamo (and sympy) on first use, about 1.3 s;
    nn.utils.skip_init imports sympy. The default run needs neither."""
    code = textwrap.dedent(
        """
        import sys
        from llmtutor.training import TrainConfig, train
        for _ in train(TrainConfig(steps=3, device="cpu", sample_every=2, generate_len=4)):
            pass
        print(sorted(m for m in ("torch._dynamo", "sympy") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "[]"


def test_every_core_for_plain_one_spare_for_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMTUTOR_TORCH_THREADS", raising=False)
    assert default_threads(spare=0) == cores()
    assert default_threads() == max(1, cores() - 1)
    monkeypatch.setenv("LLMTUTOR_TORCH_THREADS", "3")
    assert default_threads(spare=0) == default_threads() == 3
    assert cores() <= (os.cpu_count() or 1)


def test_train_plain_gives_torch_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from llmtutor.run_settings import RunSettings
    from llmtutor.train_plain import run_plain

    monkeypatch.delenv("LLMTUTOR_TORCH_THREADS", raising=False)
    seen: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", seen.append)  # the process's threads stay
    run_plain([RunSettings(steps=2, device="cpu")], io.StringIO())
    assert seen == [cores()]
