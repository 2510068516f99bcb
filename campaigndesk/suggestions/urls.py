"""The staff screens for suggestions, under /desk/suggestions/."""

from django.urls import path

from .views import detail, figures, inbox, publication, queue

app_name = "suggestions"
urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("queue/route/", queue.route, name="queue_route"),
    path("queue/spam/", queue.spam, name="queue_spam"),
    path("queue/duplicate/", queue.duplicate, name="queue_duplicate"),
    path("queue/out-of-scope/", queue.out_of_scope, name="queue_out_of_scope"),
    path("overdue/", queue.overdue, name="overdue"),
    path("publication/", publication.publication, name="publication"),
    path("publication/apply/", publication.apply, name="publication_apply"),
    path("mine/", inbox.mine, name="mine"),
    path("figures/", figures.figures, name="stats"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/route/", detail.act_route, name="route"),
    path("<int:pk>/duplicate/", detail.act_duplicate, name="duplicate"),
    path("<int:pk>/out-of-scope/", detail.act_out_of_scope, name="out_of_scope"),
    path("<int:pk>/spam/", detail.act_spam, name="spam"),
    path("<int:pk>/publish/", detail.act_publish, name="publish"),
    path("<int:pk>/outstanding/", detail.act_outstanding, name="outstanding"),
    path("<int:pk>/close/", detail.act_close, name="close"),
    path("<int:pk>/accept/", detail.act_accept, name="accept"),
    path("<int:pk>/send-back/", detail.act_send_back, name="send_back"),
    path("<int:pk>/answer/", detail.act_answer, name="answer"),
    path("<int:pk>/endorse/", detail.act_endorse, name="endorse"),
    path("<int:pk>/return/", detail.act_return, name="return"),
    path("files/<int:pk>/", detail.attachment_download, name="attachment"),
]
