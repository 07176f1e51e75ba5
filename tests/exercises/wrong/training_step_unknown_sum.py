# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: loss (call 1)
# on: article
# mistake: none
# A slip the engine does not know: the batch loss summed, not averaged.
import torch
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss.item()
