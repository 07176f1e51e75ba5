# ruff: noqa
# exercise: training-step
# status: wrong
# first wrong: loss (call 3)
# on: article
# mistake: no_zero_grad
# optimizer.zero_grad() left out: gradients add up from call to call. The first step has
# nothing to add to and the second call measures the loss after it, so calls 1 and 2 are
# right; call 3 is the first loss measured after a step taken with summed gradients.
import torch
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    logits = model(inputs)
    loss = F.cross_entropy(logits, targets)
    loss.backward()
    optimizer.step()
    return loss.item()
