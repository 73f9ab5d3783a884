from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Law


def law_list(request):
    return render(request, "laws/law_list.html", {"groups": selectors.law_list_grouped()})


def law_detail(request, pk):
    law = get_object_or_404(Law.objects.select_related("supersedes"), pk=pk)
    context = {"law": law, **selectors.law_detail(law)}
    return render(request, "laws/law_detail.html", context)
