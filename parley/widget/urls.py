from django.urls import path

from parley.widget import views

urlpatterns = [
    path("widget.js", views.widget_js, name="widget-js"),
    path("demo/", views.demo, name="demo-home"),
    path("demo/pricing/", views.demo, {"page": "pricing"}, name="demo-pricing"),
    path("demo/about/", views.demo, {"page": "about"}, name="demo-about"),
]
