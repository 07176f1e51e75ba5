# ruff: noqa
# exercise: adamw
# status: wrong
# first wrong: m
# on: article
# mistake: l2_in_gradient
# L2 instead of AdamW: the decay added to the gradient before m and v.
import math


def adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    g = g + weight_decay * w
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    decay = 0.0
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
