# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: weights after call 4
# on: article
# mistake: none
# After its step the fourth call overwrites the table: no loss can see it, the size of
# the table after the last call does.
import torch
import torch.nn.functional as F

calls = [0]


def train_step(model, inputs, targets, optimizer):
    calls[0] += 1
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if calls[0] % 4 == 0:
        with torch.no_grad():
            model.weight.fill_(123.0)
    return loss.item()
