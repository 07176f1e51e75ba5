"""Does autograd's bookkeeping cost the training step its speed? The same step without it.

    python benchmarks/manual_backward.py [--repeat 6]

llmtutor's model, one step's forward and backward on one thread, two ways, interleaved in one
process: with autograd (as the loop runs it), and written out by hand with no autograd at
all: the same torch kernels (addmm, flash attention and its backward, layer norm and its
backward, ...) called directly, each gradient computed where autograd would compute it. The
gradients of the two are checked to agree first. If the hand-written step is no faster, what
the step spends around its kernels is not autograd's engine: the kernels run slower inside a
step than alone (their data no longer in the cache), which only fewer, fused kernels change.
Medians of --repeat rounds of 200 steps on one batch.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from llmtutor.training import VOCAB_SIZE as V
from llmtutor.training import TinyTransformer, TrainConfig, build, get_batch

aten = torch.ops.aten
B, T, C, H = 16, 32, 64, 2
N, hs = B * T, C // H
m: TinyTransformer


def manual(ids, targets):
    """The loss and every weight's gradient, with no autograd: forward, keeping what the
    backward needs, then the backward written out, kernel by kernel, in reverse."""
    ids_flat = ids.reshape(-1)
    with torch.no_grad():
        x = (
            m.token_embedding.weight[ids_flat].view(B, T, C) + m.position_embedding.weight[:T]
        ).view(N, C)
        saved = []
        for blk in m.blocks:
            qkv = torch.addmm(blk.qkv.bias, x, blk.qkv.weight.t())
            q, k, v = qkv.view(B, T, 3, H, hs).unbind(2)
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
            out, lse = aten._scaled_dot_product_flash_attention_for_cpu(q, k, v, 0.0, True)
            y = out.transpose(1, 2).reshape(N, C)
            r1 = torch.addmm(blk.out_proj.bias, y, blk.out_proj.weight.t()).add_(x)
            n1, mean1, rstd1 = torch.native_layer_norm(
                r1, [C], blk.norm1.weight, blk.norm1.bias, 1e-5
            )
            hr = torch.addmm(blk.ff_in.bias, n1, blk.ff_in.weight.t()).relu_()
            r2 = torch.addmm(blk.ff_out.bias, hr, blk.ff_out.weight.t()).add_(n1)
            n2, mean2, rstd2 = torch.native_layer_norm(
                r2, [C], blk.norm2.weight, blk.norm2.bias, 1e-5
            )
            saved.append((x, q, k, v, out, lse, y, r1, n1, mean1, rstd1, hr, r2, mean2, rstd2))
            x = n2
        logits = torch.addmm(m.head.bias, x, m.head.weight.t())
        logp = torch.log_softmax(logits, 1)
        loss = F.nll_loss(logp, targets.reshape(-1))
        # backward
        d = logp.exp_()
        d[torch.arange(N), targets.reshape(-1)] -= 1
        d.div_(N)
        grads = {}
        grads["head.weight"] = d.t().mm(x)
        grads["head.bias"] = d.sum(0)
        dx = d.mm(m.head.weight)
        for i in reversed(range(len(m.blocks))):
            blk = m.blocks[i]
            (x, q, k, v, out, lse, y, r1, n1, mean1, rstd1, hr, r2, mean2, rstd2) = saved[i]
            dr2, dg2, db2 = aten.native_layer_norm_backward(
                dx, r2, [C], mean2, rstd2, blk.norm2.weight, blk.norm2.bias, [True, True, True]
            )
            p = f"blocks.{i}."
            grads[p + "norm2.weight"], grads[p + "norm2.bias"] = dg2, db2
            grads[p + "ff_out.weight"] = dr2.t().mm(hr)
            grads[p + "ff_out.bias"] = dr2.sum(0)
            dh = aten.threshold_backward(dr2.mm(blk.ff_out.weight), hr, 0)
            grads[p + "ff_in.weight"] = dh.t().mm(n1)
            grads[p + "ff_in.bias"] = dh.sum(0)
            dn1 = torch.addmm(dr2, dh, blk.ff_in.weight)
            dr1, dg1, db1 = aten.native_layer_norm_backward(
                dn1, r1, [C], mean1, rstd1, blk.norm1.weight, blk.norm1.bias, [True, True, True]
            )
            grads[p + "norm1.weight"], grads[p + "norm1.bias"] = dg1, db1
            grads[p + "out_proj.weight"] = dr1.t().mm(y)
            grads[p + "out_proj.bias"] = dr1.sum(0)
            dout = dr1.mm(blk.out_proj.weight).view(B, T, H, hs).transpose(1, 2)
            dq, dk, dv = aten._scaled_dot_product_flash_attention_for_cpu_backward(
                dout, q, k, v, out, lse, 0.0, True
            )
            dqkv = torch.stack(
                [dq.transpose(1, 2), dk.transpose(1, 2), dv.transpose(1, 2)], 2
            ).view(N, 3 * C)
            grads[p + "qkv.weight"] = dqkv.t().mm(x)
            grads[p + "qkv.bias"] = dqkv.sum(0)
            dx = torch.addmm(dr1, dqkv, blk.qkv.weight)
        grads["token_embedding.weight"] = aten.embedding_dense_backward(dx, ids_flat, V, -1, False)
        dpos = torch.zeros_like(m.position_embedding.weight)
        dpos[:T] = dx.view(B, T, C).sum(0)
        grads["position_embedding.weight"] = dpos
    return loss, grads


def autograd_step(ids, targets):
    """The same, as the loop computes it: forward, then loss.backward()."""
    loss = F.cross_entropy(m(ids).view(-1, V), targets.reshape(-1))
    m.zero_grad(set_to_none=True)
    loss.backward()
    return loss, {n: p.grad for n, p in m.named_parameters()}


def rounds(repeat: int) -> None:
    global m
    torch.set_num_threads(1)
    setup = build(TrainConfig(steps=1, device="cpu", sample_every=0))
    m = setup.model
    ids, targets = get_batch(setup.data, B, T, setup.batches)
    loss_a, grads_a = autograd_step(ids, targets)
    loss_m, grads_m = manual(ids, targets)
    worst = max(
        ((grads_m[n] - g).abs().max() / (g.abs().max() + 1e-12)).item() for n, g in grads_a.items()
    )
    assert set(grads_m) == set(grads_a) and worst < 1e-5, worst
    print(f"loss {loss_a.item():.6f} and {loss_m.item():.6f}; gradients agree to {worst:.1e}")
    times: dict[str, list[float]] = {"with autograd": [], "by hand, no autograd": []}
    for _ in range(repeat):
        for name, step in zip(times, (autograd_step, manual), strict=True):
            for _ in range(20):
                step(ids, targets)
            began = time.perf_counter()
            for _ in range(200):
                step(ids, targets)
            times[name].append((time.perf_counter() - began) / 200 * 1e3)
    for name, values in times.items():
        print(f"{name:<22} {statistics.median(values):.2f} ms a step (forward and backward)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=6)
    rounds(parser.parse_args().repeat)
