"""A worked solution: one step of gradient descent."""


def gd_step(w1, w2, w3, dL_dw1, dL_dw2, dL_dw3, lr):
    # Each weight steps against its gradient (downhill), by lr times the gradient.
    w1_new = w1 - lr * dL_dw1
    w2_new = w2 - lr * dL_dw2
    w3_new = w3 - lr * dL_dw3
    return {"w1_new": w1_new, "w2_new": w2_new, "w3_new": w3_new}
