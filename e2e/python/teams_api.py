"""Team management through wandb.Api() as W&B's docs show it: create_team, team(), Team.invite,
Team.create_service_account, Member.delete.
Inviting an email nobody has yet sends an invitation (no SMTP here: it is only created). Run with an instance admin's key; argv: the team's first
admin, then a user to invite. Prints one JSON object of what the client saw."""

import json
import sys

import wandb


def members(team):
    return sorted(
        [
            {
                "username": m._attrs.get("username"),
                "admin": m._attrs.get("admin"),
                "accountType": m._attrs.get("accountType"),
                "apiKey": m._attrs.get("apiKey"),
            }
            for m in team.members
        ],
        key=lambda m: m["username"],
    )


first_admin, invitee = sys.argv[1], sys.argv[2]
api = wandb.Api(timeout=30)
out = {}
team = api.create_team("vision", admin_username=first_admin)
out["created"] = {"name": team.name, "isTeam": team._attrs.get("isTeam"), "members": members(team)}
out["invited"] = team.invite(invitee)
out["invitedAgain"] = team.invite(invitee)
out["invitedByEmail"] = team.invite("newcomer@example.com")
out["invitedByEmailAgain"] = team.invite("newcomer@example.com")
account = team.create_service_account("CI runner")
out["serviceAccount"] = None if account is None else account._attrs.get("username")
team = api.team("vision")
out["afterInvite"] = members(team)
victim = next(m for m in team.members if m._attrs.get("username") == invitee)
out["deleted"] = victim.delete()
out["afterDelete"] = members(api.team("vision"))
print(json.dumps(out))
