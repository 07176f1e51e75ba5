# ruff: noqa
# exercise: backprop
# status: wrong
# first wrong: dL_dw2
# on: random
# mistake: local_dropped
# dL_dw2 is the gradient arriving at a, its local derivative h dropped. On the article's
# inputs h = x * w1 = 1, so dropping it changes nothing there: only a random set shows it.


def forward_backward(x, w1, w2, w3, target):
    h = x * w1
    a = h * w2
    y = a * w3
    L = (y - target) ** 2
    dL_dy = 2 * (y - target)
    dL_dw3 = dL_dy * a
    dL_da = dL_dy * w3
    dL_dw2 = dL_da
    dL_dh = dL_da * w2
    dL_dw1 = dL_dh * x
    return {
        "h": h,
        "a": a,
        "y": y,
        "L": L,
        "dL_dy": dL_dy,
        "dL_dw3": dL_dw3,
        "dL_da": dL_da,
        "dL_dw2": dL_dw2,
        "dL_dh": dL_dh,
        "dL_dw1": dL_dw1,
    }
