from django.db import migrations

# Definitions are written in our own words, after Gregory Stanton's Ten Stages of Genocide.
STAGES = [
    (1, "Classification", "People are sorted into “us and them” by ethnicity, race, religion or nationality."),
    (2, "Symbolization", "Names, symbols, colours or dress are given to or forced on a group to mark it out."),
    (3, "Discrimination", "A dominant group uses law, custom and political power to deny another group its rights."),
    (4, "Dehumanization", "Members of the targeted group are likened to animals, vermin or disease and denied their humanity."),
    (5, "Organization", "Armies, militias or special units are formed, trained and armed to carry out killings."),
    (6, "Polarization", "Extremists drive the groups apart with propaganda, bans on contact and attacks on moderates."),
    (7, "Preparation", "Leaders plan the killing, gather weapons and forces, and spread fear of the victim group."),
    (8, "Persecution", "Victims are identified, separated, expelled, stripped of property or confined, and massacres begin."),
    (9, "Extermination", "Mass killing is carried out against the group, whose members the killers do not see as fully human."),
    (10, "Denial", "Perpetrators deny the crimes, hide the evidence and obstruct investigation and justice."),
]


def create_stages(apps, schema_editor):
    Stage = apps.get_model("stages", "Stage")
    for number, name, definition in STAGES:
        Stage.objects.update_or_create(number=number, defaults={"name": name, "definition": definition})


def remove_stages(apps, schema_editor):
    apps.get_model("stages", "Stage").objects.filter(number__in=[n for n, _, _ in STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("stages", "0001_initial")]

    operations = [migrations.RunPython(create_stages, remove_stages)]
