# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: weights after call 4
# on: article
# mistake: none
# Every fourth call skips optimizer.step(): the four losses are right (each is measured
# before its call's update), but the table the fourth call leaves is not, and only the
# check of the weights after the last call shows it.
import torch.nn.functional as F

calls = [0]


def train_step(model, inputs, targets, optimizer):
    calls[0] += 1
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    if calls[0] % 4 != 0:
        optimizer.step()
    return loss.item()
