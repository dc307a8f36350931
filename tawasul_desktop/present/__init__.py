"""Qt-free presentation of core objects (a request as rows and HTML) shared by every screen."""
