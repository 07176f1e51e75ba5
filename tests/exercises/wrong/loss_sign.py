# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: losses[0]
# on: article
# mistake: sign
# The minus sign is forgotten: every loss comes out negative.
import math


def loss_and_perplexity(p_correct):
    losses = [math.log(p) for p in p_correct]
    mean_loss = sum(losses) / len(losses)
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
