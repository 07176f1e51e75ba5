"""Exercise: one training step in PyTorch.

model      the bigram table, torch.nn.Embedding(V, V): model(inputs) gives
           logits of shape (B, V), one row per example
inputs     a LongTensor of B token ids
targets    a LongTensor of B token ids: what follows each input
optimizer  torch.optim.Adam over the model's weights

The step: clear the old gradients, forward pass, cross-entropy loss,
backward pass, optimizer step. Return the loss as a Python float.
Save as often as you like: each save is checked.
"""

import torch
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    # TODO: clear the gradients left by the last step
    # TODO: forward pass: the logits for these inputs
    # TODO: the cross-entropy loss against the targets (F.cross_entropy)
    # TODO: backward pass, then the optimizer's step
    # TODO: return the loss as a Python float
    return None
