def test_it_answers_me_with_the_role(api, owner):
    response = api.get("/me")
    assert response.status_code == 200
    assert response.data == {
        "id": str(owner.id),
        "email": owner.email,
        "name": owner.name,
        "role": "admin",
    }
