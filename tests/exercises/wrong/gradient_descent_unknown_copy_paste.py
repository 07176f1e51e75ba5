# ruff: noqa
# exercise: gradient-descent
# status: wrong
# first wrong: w3_new
# on: article
# mistake: none
# A copy-paste slip the engine does not know: w3 steps with the gradient of w2.


def gd_step(w1, w2, w3, dL_dw1, dL_dw2, dL_dw3, lr):
    w1_new = w1 - lr * dL_dw1
    w2_new = w2 - lr * dL_dw2
    w3_new = w3 - lr * dL_dw2
    return {"w1_new": w1_new, "w2_new": w2_new, "w3_new": w3_new}
