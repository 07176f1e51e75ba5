"""Exercise: one step of gradient descent.

You get the three weights of the toy network, the gradient of the loss with
respect to each (dL_dw1, dL_dw2, dL_dw3) and the learning rate lr.
Use the update rule to move each weight one step downhill.

Return a dict with the new weights: w1_new, w2_new, w3_new.
Save as often as you like: each save is checked.
"""


def gd_step(w1, w2, w3, dL_dw1, dL_dw2, dL_dw3, lr):
    # TODO: the new w1, from w1, its gradient and the learning rate
    # TODO: the same for w2 and w3
    return {"w1_new": None, "w2_new": None, "w3_new": None}
