# ruff: noqa
# exercise: backprop
# status: wrong
# first wrong: dL_dw3
# on: article
# mistake: wrong_local
# The two local derivatives of y = a * w3 swapped: dy/dw3 taken as w3.


def forward_backward(x, w1, w2, w3, target):
    h = x * w1
    a = h * w2
    y = a * w3
    L = (y - target) ** 2
    dL_dy = 2 * (y - target)
    dL_dw3 = dL_dy * w3
    dL_da = dL_dy * a
    dL_dw2 = dL_da * w2
    dL_dh = dL_da * h
    dL_dw1 = dL_dh * w1
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
