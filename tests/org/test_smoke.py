def test_world_builds(world):
    assert world.street.path.startswith(world.ganjingzi.path)
