"""A worked solution: backpropagation on the three-weight network."""


def forward_backward(x, w1, w2, w3, target):
    # Forward pass, left to right: each value is the one before times a weight.
    h = x * w1
    a = h * w2
    y = a * w3
    # The loss: the squared error between the output and the target.
    L = (y - target) ** 2

    # Backward pass, right to left. Start at the loss: d(y − target)²/dy.
    dL_dy = 2 * (y - target)
    # Through y = a·w3: dy/dw3 = a and dy/da = w3, each times dL/dy.
    dL_dw3 = dL_dy * a
    dL_da = dL_dy * w3
    # Through a = h·w2: da/dw2 = h and da/dh = w2, each times dL/da.
    dL_dw2 = dL_da * h
    dL_dh = dL_da * w2
    # Through h = x·w1: dh/dw1 = x, times dL/dh.
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
