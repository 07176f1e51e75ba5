# ruff: noqa
# exercise: gradient-descent
# status: wrong
# first wrong: w1_new
# on: article
# mistake: lr_divides
# "Scale by the learning rate" read as a division.


def gd_step(w1, w2, w3, dL_dw1, dL_dw2, dL_dw3, lr):
    w1_new = w1 - dL_dw1 / lr
    w2_new = w2 - dL_dw2 / lr
    w3_new = w3 - dL_dw3 / lr
    return {"w1_new": w1_new, "w2_new": w2_new, "w3_new": w3_new}
