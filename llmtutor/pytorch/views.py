# mypy: disable-error-code="index,union-attr"
# (W.grad is typed Tensor | None; after backward() it is a tensor, and the learner's code
# indexes it and calls its methods directly rather than through an assert.)
"""Each lesson's computation written the way a practitioner would write it in PyTorch.

The learner is shown the source of the function that ran, so each one is short, self-contained
and commented, and every number it returns comes from torch: autograd, torch.optim and
torch.nn.functional. The engine computes the same quantities by hand in plain Python; the two
agreeing is a check of both. Each function returns a dict keyed by the engine's quantity names.

This module imports torch, so nothing on the app's start-up path may import it.
"""

from __future__ import annotations

import inspect
import math
import textwrap
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from llmtutor.engine.gradients import L_STAR, W_STAR
from llmtutor.engine.landscape import SURFACES, start_names
from llmtutor.engine.loss import SEQUENCE
from llmtutor.engine.registry import COMPUTATIONS
from llmtutor.engine.schedule import EARLY_STEP
from llmtutor.engine.trace import Trace
from llmtutor.engine.training_step import TEXT

# -- the functions the learner reads -------------------------------------------------------


def toy_network(x, w1, w2, w3, target, lr):
    # The weights are the parameters: tensors whose gradients autograd records.
    # x and target are data, so they stay plain numbers.
    w1 = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    w3 = torch.tensor(w3, dtype=torch.float64, requires_grad=True)

    # Forward pass: torch records each operation as it runs.
    h = x * w1
    a = h * w2
    y = a * w3
    loss = (y - target) ** 2

    # Autograd keeps gradients only for parameters unless asked to keep the in-between ones.
    h.retain_grad()
    a.retain_grad()
    y.retain_grad()

    # Backward pass: the chain rule, run backwards through the recorded operations.
    loss.backward()

    # One step of gradient descent: every weight w becomes w − lr × w.grad.
    optimizer = torch.optim.SGD([w1, w2, w3], lr=lr)
    optimizer.step()

    # The forward pass again with the new weights; no_grad because nothing is learned from it.
    with torch.no_grad():
        h_new = x * w1
        a_new = h_new * w2
        y_new = a_new * w3
        loss_new = (y_new - target) ** 2

    return {
        "h": h.item(),
        "a": a.item(),
        "y": y.item(),
        "L": loss.item(),
        "dL_dy": y.grad.item(),
        "dL_da": a.grad.item(),
        "dL_dh": h.grad.item(),
        "dL_dw1": w1.grad.item(),
        "dL_dw2": w2.grad.item(),
        "dL_dw3": w3.grad.item(),
        "w1_new": w1.item(),
        "w2_new": w2.item(),
        "w3_new": w3.item(),
        "h_new": h_new.item(),
        "a_new": a_new.item(),
        "y_new": y_new.item(),
        "L_new": loss_new.item(),
    }


def autograd(x, w1, w2, w3, target):
    # Parameters need gradients; x and target are data. Each operation below is recorded
    # as a node, its backward function in .grad_fn (print h.grad_fn.name(): MulBackward0).
    def forward(w1, w2, w3):
        h = x * w1
        a = h * w2
        y = a * w3
        d = y - target
        loss = d**2
        nodes = (h, a, y, d, loss)
        for node in nodes:
            if node.requires_grad:
                node.retain_grad()  # keep each node's gradient, to read after backward()
        return nodes

    x, target = torch.tensor(x, dtype=torch.float64), torch.tensor(target, dtype=torch.float64)
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in (w1, w2, w3)]
    optimizer = torch.optim.SGD(weights, lr=0.1)
    h, a, y, d, loss = forward(*weights)
    nodes = sum(t.grad_fn is not None for t in (h, a, y, d, loss))
    loss.backward()  # walks the recorded graph in reverse
    values = {"h": h, "a": a, "y": y, "d": d, "L": loss, "nodes": nodes}
    values |= {"dL_dd": d.grad, "dL_dy": y.grad, "dL_da": a.grad, "dL_dh": h.grad}
    for i, w in enumerate(weights, start=1):
        values[f"dL_dw{i}"] = values[f"w{i}_grad"] = w.grad.clone()

    # A second forward and backward without optimizer.zero_grad(): .grad adds up.
    forward(*weights)[-1].backward()
    for i, w in enumerate(weights, start=1):
        values[f"w{i}_grad_twice"] = w.grad.clone()
    optimizer.zero_grad()  # every .grad back to None
    forward(*weights)[-1].backward()
    for i, w in enumerate(weights, start=1):
        values[f"w{i}_grad_zeroed"] = w.grad.clone()

    # Leaving things out: w1 frozen, then no graph at all under no_grad().
    frozen = weights[0].detach()  # the same number, requires_grad=False
    values["nodes_frozen_w1"] = sum(t.grad_fn is not None for t in forward(frozen, *weights[1:]))
    with torch.no_grad():
        values["nodes_no_grad"] = sum(t.grad_fn is not None for t in forward(*weights))

    # x used twice: p = x·w1 and q = x·w2 meet again in s = p + q. x.grad is their sum.
    x.requires_grad_(True)
    p, q = x * weights[0], x * weights[1]
    s = p + q
    y2 = s * weights[2]
    d2 = y2 - target
    loss2 = d2**2
    for t in (p, q, s, y2, d2):
        t.retain_grad()
    for w in weights:
        w.grad = None
    loss2.backward()
    values |= {"p": p, "q": q, "s": s, "y2": y2, "d2": d2, "L2": loss2}
    values |= {"dL2_dd2": d2.grad, "dL2_dy2": y2.grad, "dL2_ds": s.grad}
    values |= {"dL2_dp": p.grad, "dL2_dq": q.grad, "dL2_dx": x.grad}
    values |= {f"dL2_dw{i}": w.grad for i, w in enumerate(weights, start=1)}
    values["shared_nodes"] = sum(t.grad_fn is not None for t in (p, q, s, y2, d2, loss2))
    return {name: torch.as_tensor(value).item() for name, value in values.items()}


def cross_entropy(p, avg_loss):
    # F.cross_entropy takes logits (raw scores, one per token) and the index of the correct
    # token. The logits ln p and ln(1 − p) are ones whose softmax is exactly [p, 1 − p]:
    # a model that gave the correct token, index 0, probability p.
    logits = torch.log(torch.tensor([[p, 1 - p]], dtype=torch.float64))
    loss = F.cross_entropy(logits, torch.tensor([0]))

    # A sentence: one row of logits per predicted token, each made the same way from the
    # probability the model gave its correct token (the lesson's "sat", "on", "the", then p
    # for "mat"). F.cross_entropy averages the rows' losses: reduction="mean" is its default.
    probs = torch.tensor([prob for _, prob in SEQUENCE] + [p], dtype=torch.float64)
    sentence_logits = torch.log(torch.stack([probs, 1 - probs], dim=1))
    mean_loss = F.cross_entropy(sentence_logits, torch.zeros(len(probs), dtype=torch.long))

    # Perplexity: e to the power of an average loss.
    perplexity_example = torch.exp(mean_loss)
    perplexity = torch.exp(torch.tensor(avg_loss, dtype=torch.float64))

    return {
        "loss": loss.item(),
        "avg_example": mean_loss.item(),
        "perplexity_example": perplexity_example.item(),
        "perplexity": perplexity.item(),
    }


def slope(w, nudge, lr):
    # The lesson's made-up loss curve L(w) = (w − w★)² + L★, with w★ = W_STAR and
    # L★ = L_STAR, the engine's constants.
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    loss = (w - W_STAR) ** 2 + L_STAR

    # The slope dL/dw, by autograd instead of by hand.
    loss.backward()

    # A tiny nudge: the slope predicts the change in L; the curve says what it really is.
    with torch.no_grad():
        loss_nudged = (w + nudge - W_STAR) ** 2 + L_STAR
    predicted_change = w.grad * nudge

    # One step of gradient descent: w becomes w − lr × dL/dw.
    optimizer = torch.optim.SGD([w], lr=lr)
    optimizer.step()
    with torch.no_grad():
        loss_step = (w - W_STAR) ** 2 + L_STAR

    return {
        "L": loss.item(),
        "grad": w.grad.item(),
        "predicted_change": predicted_change.item(),
        "L_nudged": loss_nudged.item(),
        "actual_change": loss_nudged.item() - loss.item(),
        "w_step": w.item(),
        "L_step": loss_step.item(),
    }


def chain_rule(factor, layers, small_factor, f_prime, residual_input, f_output, wobble):
    # The gradient at the input after passing it through `layers` copies of a layer, by
    # autograd: going backwards, it multiplies in one local derivative per layer.
    def gradient_through(layer):
        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        out = x
        for _ in range(layers):
            out = layer(out)
        (grad,) = torch.autograd.grad(out, x)  # like out.backward(), then x.grad
        return grad.item()

    # No residual connection: each layer multiplies by its derivative.
    vanish = gradient_through(lambda h: h * factor)
    vanish_small = gradient_through(lambda h: h * small_factor)

    # One layer and one value. f is linear here: f(x) = f_output at this x, with slope f'.
    x = torch.tensor(residual_input, dtype=torch.float64, requires_grad=True)
    f_x = f_output + f_prime * (x - residual_input)
    plain_out = f_x  # no residual: the layer's output replaces x
    residual_out = x + f_x  # residual: the layer's output is added to x
    (plain_grad,) = torch.autograd.grad(plain_out, x, retain_graph=True)
    (residual_grad,) = torch.autograd.grad(residual_out, x)  # 1 + f': the skip path's 1

    # Through every layer: plain layers f(h) = f'·h, residual layers h + f(h).
    plain_chain = gradient_through(lambda h: f_prime * h)
    residual_chain = gradient_through(lambda h: h + f_prime * h)
    # In practice f' is small and of either sign: residual layers with f' = −δ and f' = +δ.
    residual_low = gradient_through(lambda h: h + (-wobble) * h)
    residual_high = gradient_through(lambda h: h + wobble * h)

    return {
        "vanish": vanish,
        "vanish_small": vanish_small,
        "plain_out": plain_out.item(),
        "residual_out": residual_out.item(),
        "plain_grad": plain_grad.item(),
        "residual_grad": residual_grad.item(),
        "plain_chain": plain_chain,
        "residual_chain": residual_chain,
        "residual_low": residual_low,
        "residual_high": residual_high,
    }


def adam(gradients, beta1, beta2, lr, eps, w0):
    # One parameter, and the optimizer that updates it.
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)

    values = {}
    for t, g in enumerate(gradients, start=1):
        # In training, loss.backward() fills w.grad; here the lesson's gradient goes in directly.
        w.grad = torch.tensor(g, dtype=torch.float64)
        w_before = w.item()
        optimizer.step()

        # Adam keeps its two running averages in the optimizer's state for each parameter.
        m = optimizer.state[w]["exp_avg"].item()
        v = optimizer.state[w]["exp_avg_sq"].item()
        values[f"m_{t}"] = m
        values[f"v_{t}"] = v
        # torch applies the bias correction inside step() and does not store m̂ and v̂:
        # they are worked out here from m and v with the same correction, to show them.
        values[f"mhat_{t}"] = m / (1 - beta1**t)
        values[f"vhat_{t}"] = v / (1 - beta2**t)
        # The update step() made: the parameter before, less the parameter after.
        values[f"update_{t}"] = w_before - w.item()
        values[f"w_{t}"] = w.item()
    return values


def adamw(gradients, beta1, beta2, lr, eps, w0, weight_decay, scenario_steps):
    # Weight decay two ways, each torch's own: Adam(weight_decay=λ) adds λ·w to the gradient
    # inside step() (L2), and AdamW shrinks w by lr·λ·w beside Adam's update (decoupled).
    # Plain Adam runs beside them, so that AdamW's decay can be told from its update.
    def run(grads, decay):
        """One parameter from w0 per optimizer, stepped through grads: at each step, each
        optimizer's w before and after, and its m and v (exp_avg, exp_avg_sq)."""
        settings = {"lr": lr, "betas": (beta1, beta2), "eps": eps}
        makers = {
            "adam": lambda w: torch.optim.Adam([w], **settings),
            "l2": lambda w: torch.optim.Adam([w], weight_decay=decay, **settings),
            "adamw": lambda w: torch.optim.AdamW([w], weight_decay=decay, **settings),
        }
        runs = {}
        for name, make in makers.items():
            w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
            runs[name] = (w, make(w))
        steps = []
        for g in grads:
            step = {}
            for name, (w, optimizer) in runs.items():
                before = w.item()
                # In training, loss.backward() fills w.grad; here the gradient goes in directly.
                w.grad = torch.tensor(g, dtype=torch.float64)
                optimizer.step()
                state = optimizer.state[w]
                m, v = state["exp_avg"].item(), state["exp_avg_sq"].item()
                step[name] = {"before": before, "w": w.item(), "m": m, "v": v}
            steps.append(step)
        return steps

    values = {}
    steps = run(gradients, weight_decay)
    for t, step in enumerate(steps, start=1):
        for name in ("l2", "adamw"):
            m, v = step[name]["m"], step[name]["v"]
            values[f"{name}_m_{t}"] = m
            values[f"{name}_v_{t}"] = v
            # torch applies the bias correction inside step() and keeps no m̂ or v̂: they are
            # worked out from m and v with the same correction, to show them.
            values[f"{name}_mhat_{t}"] = m / (1 - beta1**t)
            values[f"{name}_vhat_{t}"] = v / (1 - beta2**t)
            values[f"{name}_w_{t}"] = step[name]["w"]
        # L2's move is all update. AdamW's update is plain Adam's move; its decay, the rest.
        adam_move = step["adam"]["before"] - step["adam"]["w"]
        values[f"l2_update_{t}"] = step["l2"]["before"] - step["l2"]["w"]
        values[f"adamw_update_{t}"] = adam_move
        values[f"adamw_decay_{t}"] = step["adamw"]["before"] - step["adamw"]["w"] - adam_move
        values[f"adam_w_{t}"] = step["adam"]["w"]
    end = steps[-1]
    values["l2_pull"] = end["adam"]["w"] - end["l2"]["w"]
    values["adamw_pull"] = end["adam"]["w"] - end["adamw"]["w"]
    values["decay_sum"] = sum(values[f"adamw_decay_{t}"] for t in range(1, len(steps) + 1))

    # A weight with no gradient for k steps: only the decay moves it. Then λ ÷ 100.
    idle = run([0.0] * scenario_steps, weight_decay)
    small = run([0.0] * scenario_steps, weight_decay / 100)
    values["idle_l2_update_1"] = idle[0]["l2"]["before"] - idle[0]["l2"]["w"]
    values["idle_adamw_decay_1"] = idle[0]["adamw"]["before"] - idle[0]["adamw"]["w"]
    for name in ("l2", "adamw"):
        values[f"idle_{name}_w"] = idle[-1][name]["w"]
        values[f"idle_{name}_shift"] = w0 - idle[-1][name]["w"]
        values[f"idle_{name}_w_small"] = small[-1][name]["w"]

    # A weight whose gradients alternate +5, −5, … for k steps: each decay's shift is where
    # plain Adam ends less where that path ends.
    busy = run([5.0 if s % 2 == 0 else -5.0 for s in range(scenario_steps)], weight_decay)
    for name in ("adam", "l2", "adamw"):
        values[f"busy_{name}_w"] = busy[-1][name]["w"]
    values["busy_l2_shift"] = busy[-1]["adam"]["w"] - busy[-1]["l2"]["w"]
    values["busy_adamw_shift"] = busy[-1]["adam"]["w"] - busy[-1]["adamw"]["w"]
    return values


def schedule(peak, floor_fraction, warmup, total):
    # The learning rate as a multiple of the peak at each step: a linear warmup ramp, then a
    # cosine from 1 down to floor_fraction. After the run it stays at the floor.
    def multiplier(step):
        step = min(step, total)
        if step < warmup:
            return step / warmup
        progress = (step - warmup) / (total - warmup)
        return floor_fraction + 0.5 * (1 - floor_fraction) * (1 + math.cos(math.pi * progress))

    # A scheduler sets an optimizer's learning rate; one placeholder weight is enough to drive.
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=peak)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=multiplier)

    # A training loop calls optimizer.step() then scheduler.step() once per step, and the
    # scheduler counts the steps in last_epoch. Stepping 500,000 times to read the end of a
    # long run would be slow, so jump the count to the step before and step once.
    steps = {
        "lr_at_0": 0,
        "lr_at_1000": EARLY_STEP,  # step 1000, early in the run
        "lr_at_warmup": warmup,
        "lr_at_mid": warmup + (total - warmup) / 2,
        "lr_at_end": total,
    }
    values = {"lr_min": floor_fraction * peak}  # the floor the cosine decays to
    for name, step in steps.items():
        scheduler.last_epoch = step - 1
        optimizer.step()  # no gradients here, so the weight stays put
        scheduler.step()
        values[name] = optimizer.param_groups[0]["lr"]
    return values


def saddle(x0, steps, lr):
    # The surface f(x, y) = x² − y² + y⁴/4: a saddle at (0, 0), valleys at y = ±√2.
    def surface(x, y):
        return x**2 - y**2 + y**4 / 4

    # Both coordinates are parameters; the run starts on the ridge y = 0.
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    start = surface(x, y)
    _, start_grad_y = torch.autograd.grad(start, [x, y])  # exactly 0: nothing pushes y off

    # Plain gradient descent: the same step every time, no noise.
    optimizer = torch.optim.SGD([x, y], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        surface(x, y).backward()
        optimizer.step()

    # Where it ended, and how steep the surface is there.
    final = surface(x, y)
    final_grad_x, final_grad_y = torch.autograd.grad(final, [x, y])
    final_grad = torch.hypot(final_grad_x, final_grad_y)

    # The lesson's noisy run adds seeded Gaussian noise from numpy's generator to every
    # gradient; torch's generator draws different numbers, so that run is left out here.
    return {
        "start_loss": start.item(),
        "start_grad_y": start_grad_y.item(),
        "plain_final_x": x.item(),
        "plain_final_y": y.item(),
        "plain_final_loss": final.item(),
        "plain_final_grad": final_grad.item(),
    }


def training_step(positions, lr, beta1, beta2):
    # Tokenize the lesson's text: each character becomes its index in the sorted vocabulary.
    vocab = sorted(set(TEXT))
    tokens = torch.tensor([vocab.index(char) for char in TEXT])

    # The batch: the positions the lesson sampled (numpy's seeded generator chose them).
    # Each is a pair: input character text[i], target the next character text[i + 1].
    where = torch.tensor(positions)
    xs, ys = tokens[where], tokens[where + 1]

    # The model: a V×V bigram table of logits, row x scoring every possible next character.
    # All zeros at the start: every next character equally likely.
    W = torch.zeros(len(vocab), len(vocab), dtype=torch.float64, requires_grad=True)

    # Forward pass and loss: the row for each input character, mean cross-entropy over the batch.
    logits = W[xs]
    loss = F.cross_entropy(logits, ys)
    p_1 = F.softmax(logits, dim=1)[0, ys[0]]

    # Backward pass: autograd fills W.grad, (softmax − one-hot) ÷ B in each row used.
    loss.backward()
    x1, y1 = int(xs[0]), int(ys[0])
    # A wrong next character for example 1: the first one no example in its row targets.
    targets = {y for x, y in zip(xs.tolist(), ys.tolist(), strict=True) if x == x1}
    wrong = next(j for j in range(len(vocab)) if j not in targets)
    grad_correct = W.grad[x1, y1].item()
    grad_wrong = W.grad[x1, wrong].item()

    # One Adam step on every logit at once.
    W_before = W.detach().clone()
    optimizer = torch.optim.Adam([W], lr=lr, betas=(beta1, beta2), eps=1e-8)
    optimizer.step()

    # The same batch, forward again with the updated table.
    with torch.no_grad():
        loss_after = F.cross_entropy(W[xs], ys)
        p1_after = F.softmax(W[x1], dim=0)[y1]

    # The further training steps draw fresh batches from numpy's generator; they are left out.
    return {
        "p_1": p_1.item(),
        "loss": loss.item(),
        "grad_correct": grad_correct,
        "grad_wrong": grad_wrong,
        "update_1": (W_before[x1, y1] - W[x1, y1]).item(),
        "correct_after": W[x1, y1].item(),
        "wrong_update": (W_before[x1, wrong] - W[x1, wrong]).item(),
        "wrong_after": W[x1, wrong].item(),
        "p1_after": p1_after.item(),
        "loss_after": loss_after.item(),
    }


def landscape(starts, lr, beta1, beta2, momentum, noise, seed, steps):
    # Five loss surfaces over two weights, each written once with torch operations;
    # autograd finds their gradients.
    surfaces = {
        # the article's network: (x·w1·w2·w3 − target)² with x = 2, w3 = 1.2, target = 1
        "toy": lambda w1, w2: (2 * w1 * w2 * 1.2 - 1) ** 2,
        "ravine": lambda w1, w2: 0.05 * w1**2 + 2.5 * w2**2,
        "saddle": lambda w1, w2: w1**2 - w2**2 + w2**4 / 4,
        "minima": lambda w1, w2: (w1**2 - 1) ** 2 / 4 + 0.3 * w1 + w2**2,
        "sharp": lambda w1, w2: (
            1
            - torch.exp(-((w1 - 1) ** 2) / 0.08)  # a narrow minimum near w1 = 1
            - 0.8 * torch.exp(-((w1 + 1) ** 2) / 1.28)  # a wide one near w1 = −1
            + 0.5 * w2**2
        ),
    }
    # SGD's noise: one standard normal draw per step and weight, from numpy's generator
    # seeded as the lesson seeds it (torch's generator would draw other numbers).
    draws = torch.from_numpy(np.random.default_rng(seed).standard_normal((steps, 2)))
    # The optimizers, each made for a list of parameters. SGD is plain SGD on a noisy
    # gradient: the noise is added to w.grad before optimizer.step().
    optimizers = {
        "gd": lambda params: torch.optim.SGD(params, lr=lr),
        "sgd": lambda params: torch.optim.SGD(params, lr=lr),
        "momentum": lambda params: torch.optim.SGD(params, lr=lr, momentum=momentum),
        "adam": lambda params: torch.optim.Adam(params, lr=lr, betas=(beta1, beta2)),
    }

    values = {}
    for name, surface in surfaces.items():
        start = torch.tensor(starts[name], dtype=torch.float64)
        values[f"{name}_L_0"] = surface(*start).item()
        for kind, make in optimizers.items():
            # Both weights in one parameter tensor, starting where the race starts.
            w = start.clone().requires_grad_(True)
            optimizer = make([w])
            for step in range(1, steps + 1):
                before = w.detach().clone()
                optimizer.zero_grad()
                surface(*w).backward()
                if kind == "sgd":
                    w.grad += noise * draws[step - 1]
                optimizer.step()
                with torch.no_grad():
                    # A run that diverged stops at its last finite point.
                    if not (w.isfinite().all() and surface(*w).isfinite()):
                        w.copy_(before)
                        break
                if step == 1:  # the first step, as the lesson opens it up
                    if kind != "sgd":  # (SGD's w.grad holds its noise too)
                        values[f"{name}_{kind}_1_g1"] = w.grad[0].item()
                        values[f"{name}_{kind}_1_g2"] = w.grad[1].item()
                    values[f"{name}_{kind}_1_w1"] = w[0].item()
                    values[f"{name}_{kind}_1_w2"] = w[1].item()
            values[f"{name}_{kind}_w1_end"] = w[0].item()
            values[f"{name}_{kind}_w2_end"] = w[1].item()
            values[f"{name}_{kind}_L_end"] = surface(*w).item()
    return values


# -- the registry ---------------------------------------------------------------------------

Arguments = Callable[[Mapping[str, Any], Trace], dict[str, Any]]


@dataclass(frozen=True)
class View:
    """One computation seen in PyTorch: the function, how to call it, and its source."""

    name: str  # the computation's name in the engine's registry
    function: Callable[..., dict[str, float]]
    # The function's keyword arguments, from the lesson's input values (over the defaults)
    # and the engine's trace of the same inputs.
    arguments: Arguments
    code: str  # the function's source, as the learner reads it


# How far run_view moves every number the learner typed to see whether a value torch and the
# engine disagree on is one that no two computations could agree on: one part in 10¹², far
# below any input a learner types and far above a double's rounding (about 1e-16).
NUDGE = 1e-12


def agrees(torch_value: float, engine_value: float) -> bool:
    """The same number, to the panel's tolerance (both NaN counts as the same)."""
    if math.isnan(torch_value) and math.isnan(engine_value):
        return True
    return math.isclose(torch_value, engine_value, rel_tol=1e-6, abs_tol=1e-9)


@dataclass(frozen=True)
class ViewResult:
    code: str  # the source of the function that ran
    values: dict[str, float]  # what it computed, by the engine's quantity names
    seconds: float  # how long it took
    # For each value torch and the engine disagree on: torch's own value when every
    # number the learner typed is nudged by NUDGE (toward zero). A chaotic path moves it as
    # far as the disagreement; a wrong formula would not.
    nudged: dict[str, float] = field(default_factory=dict)

    def verdict(self, name: str, engine_value: float) -> str:
        """ "same"; "sensitive": they differ, but so does torch from itself once its inputs
        are nudged, so these digits cannot be compared; or "differs"."""
        if agrees(self.values[name], engine_value):
            return "same"
        if name in self.nudged and not agrees(self.values[name], self.nudged[name]):
            return "sensitive"
        return "differs"


def inputs(name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every input of computation `name`: its defaults with `values` over them, normalized
    the way the engine receives them (floats, ints, tuples of floats)."""
    computation = COMPUTATIONS[name]
    merged = {**computation.defaults(), **values}
    result = {}
    for key, value in merged.items():
        spec = computation.input(key)
        if spec is not None:
            result[key] = spec.normalize(value)
    return result


def _picker(name: str, function: Callable[..., Any]) -> Arguments:
    """Arguments for `function`: the lesson's inputs that share a name with its parameters."""
    wanted = list(inspect.signature(function).parameters)

    def arguments(values: Mapping[str, Any], trace: Trace) -> dict[str, Any]:
        given = inputs(name, values)
        return {key: given[key] for key in wanted if key in given}

    return arguments


def _training_step_arguments(values: Mapping[str, Any], trace: Trace) -> dict[str, Any]:
    """The engine's batch: the positions it sampled (pos_1 … pos_B in its trace)."""
    picked = _picker("training_step", training_step)(values, trace)
    batch = int(trace.value("batch"))
    picked["positions"] = [int(trace.value(f"pos_{k}")) for k in range(1, batch + 1)]
    return picked


def _landscape_arguments(values: Mapping[str, Any], trace: Trace) -> dict[str, Any]:
    """The settings by name, and each surface's start (its two inputs) under `starts`."""
    picked = _picker("landscape", landscape)(values, trace)
    given = inputs("landscape", values)
    picked["starts"] = {
        surface: tuple(given[name] for name in start_names(surface)) for surface in SURFACES
    }
    return picked


def _view(
    name: str, function: Callable[..., dict[str, float]], arguments: Arguments | None = None
) -> View:
    code = textwrap.dedent(inspect.getsource(function))
    return View(name, function, arguments or _picker(name, function), code)


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        _view("toy_network", toy_network),
        _view("autograd", autograd),
        _view("cross_entropy", cross_entropy),
        _view("slope", slope),
        _view("chain_rule", chain_rule),
        _view("adam", adam),
        _view("adamw", adamw),
        _view("schedule", schedule),
        _view("saddle", saddle),
        _view("training_step", training_step, _training_step_arguments),
        _view("landscape", landscape, _landscape_arguments),
    )
}


def run_view(computation_name: str, values: Mapping[str, Any], trace: Trace) -> ViewResult:
    """Run the PyTorch view of a computation on the lesson's inputs. Raises KeyError for a
    computation without a view."""
    view = VIEWS[computation_name]
    kwargs = view.arguments(values, trace)
    start = time.perf_counter()
    result = {key: float(value) for key, value in view.function(**kwargs).items()}
    seconds = time.perf_counter() - start
    differing = [
        key for key, value in result.items() if key in trace and not agrees(value, trace.value(key))
    ]
    nudged: dict[str, float] = {}
    if differing:  # run again, every typed number nudged: only then, as it doubles the time
        moved = {key: _nudge(value) for key, value in inputs(computation_name, values).items()}
        try:
            again = view.function(**view.arguments(moved, trace))
        except Exception:  # a nudged input torch refuses: no word on sensitivity, then
            again = {}
        nudged = {key: float(again[key]) for key in differing if key in again}
    return ViewResult(view.code, result, seconds, nudged)


def _nudge(value: Any) -> Any:
    """A typed number moved by NUDGE toward zero (so it stays inside any bound |x| < b and
    keeps its sign); a tuple of them, each; anything else (a count, a seed, a name) as it is."""
    if isinstance(value, tuple):
        return tuple(_nudge(item) for item in value)
    if isinstance(value, float):
        return value * (1 - NUDGE)
    return value
