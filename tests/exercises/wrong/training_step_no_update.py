# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: loss (call 2)
# on: article
# mistake: no_update
# optimizer.step() forgotten: the table never moves, every loss is ln V.
import torch
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    return loss.item()
