"""A worked solution: one AdamW step for one parameter."""

import math


def adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    # 1. Adam's step, on the gradient alone: the decay never enters m or v.
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    # 2. The decoupled decay: lr times λ times the weight before the step, not divided
    #    by anything.
    decay = lr * weight_decay * w
    # 3. Take both off the weight.
    w = w - update - decay
    return {
        "m": m,
        "v": v,
        "m_hat": m_hat,
        "v_hat": v_hat,
        "update": update,
        "decay": decay,
        "w": w,
    }
