# ruff: noqa
# exercise: backprop
# status: wrong
# first wrong: dL_dy
# on: article
# mistake: both
# No factor 2 and the sign flipped: "the error is target - y".


def forward_backward(x, w1, w2, w3, target):
    h = x * w1
    a = h * w2
    y = a * w3
    L = (y - target) ** 2
    error = target - y
    dL_dy = error
    dL_dw3 = dL_dy * a
    dL_da = dL_dy * w3
    dL_dw2 = dL_da * h
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
