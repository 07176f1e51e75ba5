# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: loss (call 2)
# on: article
# mistake: no_update
# optimizer.step() before loss.backward(): right after zero_grad() there is no gradient
# yet (zero_grad sets it to None), so Adam skips the table every time.
import torch
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets)
    optimizer.step()
    loss.backward()
    return loss.item()
