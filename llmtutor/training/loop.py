"""The training loop, as a generator of events: iterate it and show what it yields.

    for event in train(TrainConfig()):
        ...  # Started, then Progress / Sample every few steps, then Finished

Each step is the source's: sample a batch, forward pass, cross-entropy loss, backward pass,
optimizer step. The loop stays lean: the loss stays a tensor on the device except on the
steps it reports, so the host waits for the device only there.

Threads: the caller decides `torch.set_num_threads(n)` before the first torch work (on a
2-core machine, 1 thread beside a UI thread can beat 2 that fight it: measure). The loop
never changes it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import EllipsisType

import torch
import torch.nn.functional as F

from llmtutor.run_types import (
    Diverged,
    Event,
    Finished,
    Guess,
    Paused,
    Progress,
    Reading,
    Sample,
    Started,
    TrainConfig,
    WatchedParameter,
)
from llmtutor.training.data import TEXT, VOCAB_SIZE, decode, encode, get_batch
from llmtutor.training.device import choose_device, describe
from llmtutor.training.model import TinyTransformer

PAUSE_POLL_S = 0.05  # while paused, how often the loop looks whether it may go on


# Events, TrainConfig, Guess and Reading are plain data, defined in llmtutor.run_types (no
# torch: the interface unpickles them) and imported above.


# --- setting up ----------------------------------------------------------------------------


@dataclass
class Setup:
    """Everything a run works on. Build it with `build(config)` and pass it to `train` to keep
    hold of the model and optimizer (to generate more text afterwards, or to inspect them)."""

    config: TrainConfig
    device: torch.device
    model: TinyTransformer
    optimizer: torch.optim.Optimizer
    data: torch.Tensor  # the whole text as token ids, on the device: (1500,)
    batches: torch.Generator  # draws the batch positions, on the device
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None  # for schedule "cosine"


def fused_adam_supported(device: torch.device) -> bool:
    """Whether this torch has a fused Adam kernel for the device (CPU has one since 2.4)."""
    try:
        from torch.optim.optimizer import _get_fused_kernels_supported_devices
    except ImportError:  # a torch that moved it: use the plain Adam
        return False
    return device.type in _get_fused_kernels_supported_devices()


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Adam (fused where the device has it), Adam without bias correction, or plain SGD,
    all at config.lr."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=config.lr)
    if not config.bias_correction:
        from llmtutor.training.optim import UncorrectedAdam

        return UncorrectedAdam(model.parameters(), lr=config.lr)
    device = next(model.parameters()).device
    if fused_adam_supported(device):
        from llmtutor.training.optim import LeanAdam

        return LeanAdam(model.parameters(), lr=config.lr)  # torch's fused Adam, stepped leaner
    return torch.optim.Adam(model.parameters(), lr=config.lr)


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """For schedule "cosine", the schedule lesson's rate (linear warmup, then cosine decay
    to lr_min), from the engine's one definition of it, as a LambdaLR factor of config.lr."""
    if config.schedule != "cosine":
        return None
    from llmtutor.engine.schedule import lr_at

    floor = config.lr_min / config.lr

    def factor(step: int) -> float:
        return lr_at(step, 1.0, floor, config.warmup, config.steps)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def build(config: TrainConfig) -> Setup:
    """Model, optimizer and data for `config`. Seeds torch's global generator with config.seed
    (the weights are drawn on the CPU, so every device starts from the same weights); the batches
    come from their own generator, so a run does not depend on other torch work around it."""
    device = choose_device(config.device)  # DeviceError: before anything is built
    torch.manual_seed(config.seed)
    model = TinyTransformer(config).to(device)
    batches = torch.Generator(device=device)
    batches.manual_seed(config.seed)
    optimizer = make_optimizer(model, config)
    return Setup(
        config=config,
        device=device,
        model=model,
        optimizer=optimizer,
        data=encode(TEXT).to(device),
        batches=batches,
        scheduler=make_scheduler(optimizer, config),
    )


def parts(model: TinyTransformer) -> list[tuple[str, list[torch.nn.Parameter]]]:
    """The model's weights in the parts gradient health is read by, input side first."""
    embeddings = [*model.token_embedding.parameters(), *model.position_embedding.parameters()]
    blocks = [(f"block {i}", list(b.parameters())) for i, b in enumerate(model.blocks, 1)]
    return [("embeddings", embeddings), *blocks, ("head", list(model.head.parameters()))]


def _norm(tensors: list[torch.Tensor]) -> torch.Tensor:
    """‖the tensors, as one vector‖ (0-d): the norm of their norms. torch._foreach_norm takes
    each tensor's in one call (as torch's gradient clipping does), not one call apiece."""
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(tensors)))


class _Health:
    """Gradient health at a reported step: each part's gradient norm, and the update relative
    to the weights. The weights before the step are copied into buffers allocated once."""

    def __init__(self, groups: list[tuple[str, list[torch.nn.Parameter]]]) -> None:
        self.groups = groups
        self.weights: list[torch.Tensor] = [p for _, params in groups for p in params]
        self.before = [torch.empty_like(p) for p in self.weights]

    @torch.no_grad()
    def before_step(self) -> list[torch.Tensor]:
        """Each part's ‖gradient‖ (0-d tensors, no sync); keeps the weights as they are."""
        torch._foreach_copy_(self.before, self.weights)
        return [_norm([p.grad for p in params if p.grad is not None]) for _, params in self.groups]

    @torch.no_grad()
    def update_ratio(self) -> torch.Tensor:
        """After the step: ‖w_after − w_before‖ ÷ ‖w_before‖ over every weight (0-d)."""
        size = _norm(self.before)
        torch._foreach_sub_(self.before, self.weights)  # w_before − w_after: the same norm
        return _norm(self.before) / size


@dataclass(frozen=True, eq=False)
class _Watch:
    """Reads one scalar of one parameter around an optimizer step, as tensors (no sync)."""

    name: str
    index: int
    parameter: torch.nn.Parameter

    @classmethod
    def find(cls, model: torch.nn.Module, watch: tuple[str, int] | None) -> _Watch | None:
        if watch is None:
            return None
        name, index = watch
        parameters = dict(model.named_parameters())
        if name not in parameters:
            raise ValueError(f"no parameter named {name!r}; choose one of {', '.join(parameters)}")
        if not 0 <= index < parameters[name].numel():
            size = parameters[name].numel()
            raise ValueError(f"{name} has {size} elements; index {index} is out of range")
        return cls(name, index, parameters[name])

    def _element(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor.detach().reshape(-1)[self.index]  # 0-d

    def before_step(self) -> list[torch.Tensor]:
        """[value, gradient], copied: the step changes the value in place."""
        grad = self.parameter.grad
        assert grad is not None  # called after loss.backward(), which gives every weight one
        return [self._element(self.parameter).clone(), self._element(grad).clone()]

    def after_step(self, optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
        """[value] + Adam's [m, v] (SGD keeps none)."""
        state = optimizer.state[self.parameter]
        moments = [self._element(state[key]) for key in ("exp_avg", "exp_avg_sq") if key in state]
        return [self._element(self.parameter), *moments]

    def event(self, numbers: list[float]) -> WatchedParameter:
        """From before_step() + after_step() as floats."""
        before, grad, after, *moments = numbers
        m, v = moments if moments else (None, None)
        return WatchedParameter(self.name, self.index, after, grad, m, v, update=before - after)


# --- generating ----------------------------------------------------------------------------


@torch.inference_mode()  # no_grad, and no bookkeeping for autograd either: ~5% faster here
def generate(
    model: TinyTransformer,
    prompt: str,
    length: int,
    device: torch.device | None = None,
    context: int | None = None,
    *,
    temperature: float | None = None,
    generator: torch.Generator | None = None,
) -> str:
    """Greedy: append the most likely next character `length` times; returns prompt + them.
    With a `temperature`, each next character is drawn instead from softmax(logits ÷
    temperature) (torch.multinomial, with `generator` if given, which must be on the CPU).

    The model sees the last `context` characters (default: model.context_len, the seq_len it
    trained on), so every position it reads is one it learned; positions never exceed max_len.
    Looking further back reads position embeddings training never touched, and the text garbles
    after the first seq_len characters. Runs in eval mode, then restores the model's mode.
    """
    if temperature is not None and not temperature > 0:
        raise ValueError("temperature must be greater than 0")
    device = device or next(model.parameters()).device
    window = min(context or model.context_len, model.max_len)
    was_training = model.training
    model.eval()
    try:
        ids = encode(prompt).to(device)[None]  # (1, len(prompt))
        for _ in range(length):
            logits = model(ids[:, -window:])  # (1, T ≤ window, vocab)
            if temperature is None:
                next_id = logits[0, -1].argmax()  # the most likely next character
            else:
                weights = torch.softmax(logits[0, -1].cpu().double() / temperature, dim=0)
                next_id = torch.multinomial(weights, 1, generator=generator)[0].to(device)
            ids = torch.cat([ids, next_id.view(1, 1)], dim=1)  # (1, T + 1)
    finally:
        model.train(was_training)
    return decode(ids[0])


@torch.no_grad()
def predict(
    model: TinyTransformer, prompt: str, top: int = 5, temperature: float = 1.0
) -> list[Guess]:
    """The model's `top` most likely next characters after `prompt`, most likely first:
    softmax(logits ÷ temperature) over the vocabulary, read at the prompt's last position
    (the model sees its last context_len characters, as in generation). Eval mode, then the
    model's mode is restored."""
    if not temperature > 0:
        raise ValueError("temperature must be greater than 0")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        ids = encode(prompt).to(device)[None, -model.context_len :]
        logits = model(ids)[0, -1].cpu().double()  # (vocab,), on the CPU: MPS has no float64
    finally:
        model.train(was_training)
    probabilities = torch.softmax(logits / temperature, dim=0)
    values, indices = probabilities.topk(min(top, probabilities.numel()))
    return [
        Guess(decode([int(i)]), float(p), -math.log(float(p)) if p > 0 else math.inf)
        for p, i in zip(values.tolist(), indices.tolist(), strict=True)
    ]


def read(
    model: TinyTransformer,
    prompt: str,
    temperature: float,
    seed: int,
    *,
    top: int = 5,
    write: int = 40,
) -> Reading:
    """`predict`'s `top` guesses at `temperature`, then `write` characters greedy and `write`
    drawn at `temperature` with a CPU generator seeded with `seed`: the prediction view's and
    `train --plain --predict`'s reading of a model."""
    guesses = predict(model, prompt, top, temperature)
    greedy = generate(model, prompt, write)
    drawn = generate(
        model, prompt, write, temperature=temperature, generator=torch.Generator().manual_seed(seed)
    )
    return Reading(tuple(guesses), greedy, drawn)


# --- training ------------------------------------------------------------------------------


def _wait_while_paused(pause: threading.Event, stop: threading.Event | None) -> float:
    """Block while `pause` is set (waking every PAUSE_POLL_S, at once on stop); seconds waited."""
    began = time.perf_counter()
    sleeper = stop if stop is not None else threading.Event()
    while pause.is_set() and not sleeper.wait(PAUSE_POLL_S):
        pass
    return time.perf_counter() - began


def train(
    config: TrainConfig | None = None,
    *,
    stop: threading.Event | None = None,
    pause: threading.Event | None = None,
    watch: tuple[str, int] | EllipsisType | None = ...,
    setup: Setup | None = None,
) -> Iterator[Event]:
    """Train as `config` says, yielding events. Set `stop` to end the run cleanly (Finished with
    stopped_early=True); while `pause` is set the loop waits between steps. `watch` is the
    (parameter name, flat index) to follow, None for none; left out, it is config.watch.

    The device, the model and the watched parameter are checked when this is called
    (DeviceError, ValueError), not at the first event. Pass `setup` (from `build(config)`) to
    keep hold of the model and optimizer.
    """
    config = config if config is not None else (setup.config if setup else TrainConfig())
    if setup is None:
        setup = build(config)
    elif setup.config != config:
        raise ValueError("the setup was built for another config")
    watched = _Watch.find(setup.model, config.watch if watch is ... else watch)
    return _run(setup, watched, stop, pause)


def _run(
    setup: Setup,
    watched: _Watch | None,
    stop: threading.Event | None,
    pause: threading.Event | None,
) -> Iterator[Event]:
    config, model, optimizer = setup.config, setup.model, setup.optimizer
    yield Started(describe(setup.device), model.parameter_count(), config)
    groups = parts(model)
    health_of = _Health(groups)

    tokens_per_step = config.batch_size * config.seq_len
    last_step = config.steps - 1
    started = time.perf_counter()
    off_clock = 0.0  # seconds paused or generating samples: not training time
    reported_at, reported_step = 0.0, -1  # training time and step of the previous report
    loss: torch.Tensor | None = None
    steps_done, diverged = 0, False
    loss_value = math.nan

    model.train()
    for step in range(config.steps):
        if pause is not None and pause.is_set() and not (stop is not None and stop.is_set()):
            yield Paused(steps_done)  # the model is left alone from here until the pause clears
            off_clock += _wait_while_paused(pause, stop)
        if stop is not None and stop.is_set():
            break

        inputs, targets = get_batch(setup.data, config.batch_size, config.seq_len, setup.batches)
        logits = model(inputs)  # (B, T, vocab)
        # logits[b, t] predicts targets[b, t], the character after inputs[b, t]
        loss = F.cross_entropy(logits.view(-1, VOCAB_SIZE), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()

        report = step % config.report_every == 0 or step == last_step
        watched_before = watched.before_step() if report and watched else []
        # the gradient of each part, and the weights before the step
        health = health_of.before_step() if report else []
        lr = optimizer.param_groups[0]["lr"]  # the rate this step uses
        optimizer.step()
        if setup.scheduler is not None:
            setup.scheduler.step()
        steps_done = step + 1

        if report:
            # one host–device sync per reported step: every number comes back together
            watched_after = watched.after_step(optimizer) if watched else []
            ratio = health_of.update_ratio()
            numbers = torch.stack(
                [loss.detach(), ratio, *health, *watched_before, *watched_after]
            ).tolist()
            loss_value, update_ratio = numbers[0], numbers[1]
            norms = numbers[2 : 2 + len(groups)]
            watched_numbers = numbers[2 + len(groups) :]
            if not math.isfinite(loss_value):
                yield Diverged(step, loss_value)
                diverged = True
                break
            elapsed = time.perf_counter() - started - off_clock
            seconds = max(elapsed - reported_at, 1e-9)
            yield Progress(
                step=step,
                total=config.steps,
                loss=loss_value,
                perplexity=math.exp(loss_value) if loss_value < 700 else math.inf,
                lr=lr,
                tokens_per_s=(step - reported_step) * tokens_per_step / seconds,
                elapsed_s=elapsed,
                watch=watched.event(watched_numbers) if watched else None,
                grad_norms=tuple(
                    (name, norm) for (name, _), norm in zip(groups, norms, strict=True)
                ),
                update_ratio=update_ratio,
            )
            reported_at, reported_step = elapsed, step

        if config.sample_every and step % config.sample_every == 0:
            sampling_began = time.perf_counter()
            text = generate(model, config.prompt, config.generate_len, setup.device)
            off_clock += time.perf_counter() - sampling_began
            yield Sample(step, text, loss_value if report else loss.detach().item())

    elapsed = time.perf_counter() - started - off_clock
    final_loss = math.nan if loss is None else loss.item()
    text = "" if diverged else generate(model, config.prompt, config.generate_len, setup.device)
    stopped_early = diverged or steps_done < config.steps
    yield Finished(steps_done, final_loss, text, elapsed, stopped_early)
