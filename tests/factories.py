"""Factories for the project's pages and snippets (wagtail-factories / factory_boy)."""

import datetime

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from home.models import HomePage
from news.models import Category, NewsIndexPage, NewsPage
from yearbook.models import AnnualReportPage, ChronicleCategory, ChronicleEntryPage, KeyFigure, YearbookIndexPage


class LibraryPageFactory(wagtail_factories.PageFactory):
    """Leaves the slug empty, as an editor does: the page generates it."""

    slug = ""

    class Meta:
        abstract = True


class HomePageFactory(LibraryPageFactory):
    title = "首页"

    class Meta:
        model = HomePage


class NewsIndexPageFactory(LibraryPageFactory):
    title = "工作动态"

    class Meta:
        model = NewsIndexPage


class CategoryFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"分类{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")

    class Meta:
        model = Category
        django_get_or_create = ("slug",)


class NewsPageFactory(LibraryPageFactory):
    title = factory.Sequence(lambda n: f"乾县图书馆举办阅读推广活动{n}")
    date = datetime.date(2020, 4, 23)
    digest = "世界读书日当天,图书馆在第一人民广场举行户外阅读推广活动。"

    class Meta:
        model = NewsPage


class YearbookIndexPageFactory(LibraryPageFactory):
    title = "年报"

    class Meta:
        model = YearbookIndexPage


class AnnualReportPageFactory(LibraryPageFactory):
    title = factory.LazyAttribute(lambda o: f"{o.year}年乾县图书馆工作年报")
    year = 2020
    date = datetime.date(2022, 8, 26)

    class Meta:
        model = AnnualReportPage


class KeyFigureFactory(factory.django.DjangoModelFactory):
    label = "读者活动"
    value = 67
    unit = "次"

    class Meta:
        model = KeyFigure


class ChronicleEntryPageFactory(LibraryPageFactory):
    title = factory.Sequence(lambda n: f"大事记{n}")
    text = "<p>党员干部深入社区开展疫情群防群控工作。</p>"
    sequence_number = factory.Sequence(lambda n: n + 1)
    year = 2020
    month = 4
    day = 23
    date_precision = "day"

    class Meta:
        model = ChronicleEntryPage


def chronicle_category(slug):
    """A chronicle category created by the data migration (党建 is "dangjian")."""
    return ChronicleCategory.objects.get(slug=slug)


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@library.example")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            self.save()
