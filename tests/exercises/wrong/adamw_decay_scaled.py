# ruff: noqa
# exercise: adamw
# status: wrong
# first wrong: decay
# on: article
# mistake: decay_scaled
# The decay divided by √v̂ + ε, like the update.
import math


def adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    decay = lr * weight_decay * w / (math.sqrt(v_hat) + eps)
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
