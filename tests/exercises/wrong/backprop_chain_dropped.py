# ruff: noqa
# exercise: backprop
# status: wrong
# first wrong: dL_dw3
# on: article
# mistake: chain_dropped
# Only the local derivatives, never times the gradient arriving from the loss.


def forward_backward(x, w1, w2, w3, target):
    h = x * w1
    a = h * w2
    y = a * w3
    L = (y - target) ** 2
    dL_dy = 2 * (y - target)
    dL_dw3 = a
    dL_da = w3
    dL_dw2 = h
    dL_dh = w2
    dL_dw1 = x
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
