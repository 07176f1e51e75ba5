"""Exercise: one AdamW step for one parameter.

w is the parameter, g its gradient, m and v the averages from the last step
(0 before the first), t this step's number (1 for the first step), and
weight_decay is λ.
The parts of a step:
    1. Adam's step, on the gradient alone: m, v, m_hat, v_hat and the update
    2. the decay AdamW takes off beside the update
    3. the new w

math.sqrt(x) is the square root.
Return a dict with the new m and v, m_hat, v_hat, the update, the decay and
the new w. Save as often as you like: each save is checked.
"""

import math


def adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    # TODO: 1. m, v, m_hat, v_hat and the update, as in Adam
    # TODO: 2. the decay
    # TODO: 3. the new w
    return {
        "m": None,
        "v": None,
        "m_hat": None,
        "v_hat": None,
        "update": None,
        "decay": None,
        "w": None,
    }
