# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: perplexity
# on: article
# mistake: perplexity_base_2
# Perplexity as 2 ** H, the textbook form for a loss in bits, on a loss in nats.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_loss = sum(losses) / len(losses)
    perplexity = 2**mean_loss
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
