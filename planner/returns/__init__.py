"""The council's statutory returns: the SSDA903 (903) in and out, and Ofsted's List 9."""
