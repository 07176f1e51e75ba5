"""Exercise: one Adam step for one parameter.

w is the parameter, g its gradient, m and v the averages from the last step
(0 before the first), t this step's number (1 for the first step).
The four parts of a step:
    1. update the momentum m (with beta1)
    2. update the squared-gradient average v (with beta2)
    3. bias correction: m_hat and v_hat
    4. the update, from lr, m_hat, v_hat and eps, and the new w

math.sqrt(x) is the square root.
Return a dict with the new m and v, m_hat, v_hat, the update and the new w.
Save as often as you like: each save is checked.
"""

import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    # TODO: 1. the new m
    # TODO: 2. the new v
    # TODO: 3. m_hat and v_hat
    # TODO: 4. the update, then the new w
    return {"m": None, "v": None, "m_hat": None, "v_hat": None, "update": None, "w": None}
