from django.http import HttpResponse


def home(request):
    return HttpResponse("govoffice")


def office_detail(request, office):
    return HttpResponse(office)


def unit_detail(request, office, unit):
    return HttpResponse(unit)


def subject_detail(request, subject):
    return HttpResponse(subject)
