# ruff: noqa
# exercise: loss
# status: wrong
# first wrong: mean_loss
# on: article
# mistake: mean_of_p
# Average the probabilities first, then take one log: -log(mean p).
import math


def loss_and_perplexity(p_correct):
    losses = [-math.log(p) for p in p_correct]
    mean_p = sum(p_correct) / len(p_correct)
    mean_loss = -math.log(mean_p)
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
