"""Exercise: backpropagation on the three-weight network.

Forward pass:  h from x and w1, a from h and w2, y from a and w3,
               then the squared error L between y and target.
Backward pass: dL/dy first, then back through each multiplication with the
               chain rule: each gradient is the one arriving from the loss
               times a local derivative.

Return a dict with every value below, forward pass first.
Save as often as you like: each save is checked.
"""


def forward_backward(x, w1, w2, w3, target):
    # TODO: forward pass: h, a, y, and the loss L
    # TODO: backward pass: dL_dy, then dL_dw3 and dL_da through y = a·w3,
    #       dL_dw2 and dL_dh through a = h·w2, and dL_dw1 through h = x·w1
    return {
        "h": None,
        "a": None,
        "y": None,
        "L": None,
        "dL_dy": None,
        "dL_dw3": None,
        "dL_da": None,
        "dL_dw2": None,
        "dL_dh": None,
        "dL_dw1": None,
    }
