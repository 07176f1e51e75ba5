# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: losses[0]
# on: article
# mistake: log10
# The learner reached for the "log" they know from school: base 10.
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log10(p) for p in p_correct]
    mean_loss = sum(losses) / len(losses)
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
