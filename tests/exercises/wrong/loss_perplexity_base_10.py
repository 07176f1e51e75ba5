# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: perplexity
# on: article
# mistake: perplexity_base_10
# Undoing a log with 10 ** x, as if the log had been log10.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_loss = sum(losses) / len(losses)
    perplexity = math.pow(10, mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
