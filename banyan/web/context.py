from banyan import clock


def banyan_context(request):
    return {"today": clock.today()}
