"""A worked solution: one Adam step for one parameter."""

import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    # 1. Momentum: keep beta1 of the old average, take in (1 − beta1) of g.
    m = beta1 * m + (1 - beta1) * g
    # 2. Squared-gradient average: the same blend with beta2, of g² (no sign).
    v = beta2 * v + (1 - beta2) * g**2
    # 3. Bias correction: m and v started at 0, so early on they are too small.
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    # 4. The update: lr times m_hat, divided by the size of recent gradients;
    #    eps, outside the square root, keeps the division safe.
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    # The new weight: step against the gradient.
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
