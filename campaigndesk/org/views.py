from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def unit_list(request):
    return HttpResponse("units")


@login_required
def person_list(request):
    return HttpResponse("people")
