from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import services
from apps.accounts.forms import LoginForm, SignUpForm
from apps.core.security import client_ip, safe_next_url

TOO_MANY_REQUESTS = 429


class LoginView(auth_views.LoginView):
    """Django's log-in (which only follows a `next` into this site), rate limited: a refused
    attempt answers 429 with the form and the time to wait."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.is_rate_limited:
            response.status_code = TOO_MANY_REQUESTS
            response["Retry-After"] = str(form.retry_after)
        return response


@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignUpForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        ip = client_ip(request)
        retry_after = services.signup_retry_after(ip=ip)
        if retry_after:
            form.add_error(None, services.too_many_attempts_message(retry_after))
            response = render(request, "accounts/signup.html", context, status=TOO_MANY_REQUESTS)
            response["Retry-After"] = str(retry_after)
            return response
        if form.is_valid():
            user = form.save()
            services.signup_record(ip=ip)
            login(request, user)
            return redirect(next_url or "home")
    return render(request, "accounts/signup.html", context)


@require_POST
@login_required
def editor_preference(request):
    """The exercise page's "plain editor" switch: htmx posts it on change (the checkbox's value
    when ticked, nothing when not); a plain form post returns to the page it came from."""
    services.user_editor_preference_set(
        user=request.user, plain_editor=request.POST.get("plain_editor") == "1"
    )
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect(safe_next_url(request, request.POST.get("next"), default="/"))
