"""Messages Django ships without a Thai translation, listed so that the portal's
catalogue (locale/th) carries them: the admin, the login and password forms and
form validation then speak Thai throughout. Catalogue entries of LOCALE_PATHS win
over Django's own. Nothing calls these functions; makemessages reads them."""

from django.utils.translation import gettext_noop, ngettext


def admin_messages() -> None:
    gettext_noop("Added “%(object)s”.")
    gettext_noop("Changed “%(object)s” — %(changes)s")
    gettext_noop("Deleted “%(object)s.”")
    gettext_noop("Added {name} “{object}”.")
    gettext_noop("Changed {fields} for {name} “{object}”.")
    gettext_noop("Deleted {name} “{object}”.")
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one.")
    gettext_noop("The {name} “{obj}” was added successfully.")
    gettext_noop(
        "The {name} “{obj}” was added successfully. You may add another {name} below."
    )
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may edit it again below."
    )
    gettext_noop(
        "The {name} “{obj}” was added successfully. You may edit it again below."
    )
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may add another {name} below."
    )
    gettext_noop("The {name} “{obj}” was changed successfully.")
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully.")
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?")
    gettext_noop("We’re sorry, but the requested page could not be found.")
    gettext_noop("Yes, I’m sure")
    gettext_noop("You don’t have permission to view or edit anything.")
    gettext_noop(
        "This object doesn’t have a change history. It probably wasn’t added via this "
        "admin site."
    )
    gettext_noop(
        "First, enter a username and password. Then, you’ll be able to edit more user "
        "options."
    )
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new "
        "password twice so we can verify you typed it in correctly."
    )


def account_messages() -> None:
    gettext_noop("Enter the same password as before, for verification.")
    gettext_noop(
        "The groups this user belongs to. A user will get all permissions granted to "
        "each of their groups."
    )
    gettext_noop(
        "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."
    )
    ngettext(
        "This password is too short. It must contain at least %(min_length)d "
        "character.",
        "This password is too short. It must contain at least %(min_length)d "
        "characters.",
        0,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        0,
    )
    gettext_noop("The password is too similar to the %(verbose_name)s.")
    gettext_noop(
        "Your password can't be too similar to your other personal information."
    )
    gettext_noop("This password is too common.")
    gettext_noop("Your password can't be a commonly used password.")
    gettext_noop("This password is entirely numeric.")
    gettext_noop("Your password can't be entirely numeric.")
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, and "
        "@/./+/-/_ characters."
    )


def form_messages() -> None:
    gettext_noop("Enter a valid integer.")
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has "
        "%(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has "
        "%(show_value)d).",
        0,
    )
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has "
        "%(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has "
        "%(show_value)d).",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        0,
    )
    ngettext(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        0,
    )
    gettext_noop("Null characters are not allowed.")
    gettext_noop("%(model_name)s with this %(field_labels)s already exists.")
    gettext_noop("Value %(value)r is not a valid choice.")
    gettext_noop("“%(value)s” value must be a decimal number.")
    gettext_noop("“%(value)s” value must be an integer.")
    gettext_noop("%(model)s instance with %(field)s %(value)r does not exist.")
    gettext_noop("Enter a complete value.")
    gettext_noop("(Hidden field %(name)s) %(error)s")
    gettext_noop("ManagementForm data is missing or has been tampered with")
    ngettext("Please submit %d or fewer forms.", "Please submit %d or fewer forms.", 0)
    gettext_noop("“%(pk)s” is not a valid value.")
    gettext_noop("That page contains no results")
    gettext_noop("CSRF verification failed. Request aborted.")
    gettext_noop("Date out of range")
