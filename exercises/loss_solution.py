"""A worked solution: cross-entropy loss and perplexity."""

import math


def loss_and_perplexity(p_correct):
    # The loss of each position: minus the natural log of the probability the
    # model gave the correct token (0 when it was certain and right).
    losses = [-math.log(p) for p in p_correct]
    # The loss of the whole text: the average over its positions.
    mean_loss = sum(losses) / len(losses)
    # Perplexity: e to the average loss, "how many equally likely tokens"
    # the model is choosing between.
    perplexity = math.exp(mean_loss)
    return {"losses": losses, "mean_loss": mean_loss, "perplexity": perplexity}
