"""Exercise: cross-entropy loss and perplexity.

p_correct is a list of probabilities, one per position of a text: what the
model gave the token that really came next there.

Return a dict with:
    losses      the cross-entropy loss of each position (a list, one per p)
    mean_loss   the average of those losses
    perplexity  the perplexity of the text, from the average loss

math.log(x) is the natural log, math.exp(x) is e to the power x.
Save as often as you like: each save is checked.
"""

import math


def loss_and_perplexity(p_correct):
    # TODO: the cross-entropy loss of each probability, in a list
    # TODO: the average of those losses
    # TODO: the perplexity, from the average loss
    return {"losses": None, "mean_loss": None, "perplexity": None}
