"""GraphQL documents of the catalogue and project operations, shared by the catalogue tests."""

CREATE_RESOURCE = """
mutation($input: CreateResourceInput!) {
  createResource(input: $input) {
    __typename
    ... on ResourceCreated { resource { id kind name category code epc quantity skills custody setupMinutes
                                        location { name } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE_RESOURCE = """
mutation($input: UpdateResourceInput!) {
  updateResource(input: $input) {
    __typename
    ... on ResourceUpdated { resource { id name category quantity } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}"""

RETIRE_RESOURCE = """
mutation($id: ID!) {
  retireResource(id: $id) {
    __typename
    ... on ResourceRetired { resource { id retired custody } }
    ... on UserError { code message }
  }
}"""

CREATE_KIT = """
mutation($input: CreateKitInput!) {
  createKit(input: $input) {
    __typename
    ... on KitCreated { kit { id name code items { name } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}"""

UPDATE_KIT = """
mutation($input: UpdateKitInput!) {
  updateKit(input: $input) {
    __typename
    ... on KitUpdated { kit { id name code items { name } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}"""

CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) {
    __typename
    ... on ProjectCreated { project { id name currency clientName } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}"""

COUNTS = """{ resources(first: 200, filter: { includeRetired: true }) { edges { node { id name retired } } }
             kits { id name } }"""
