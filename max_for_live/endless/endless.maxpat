{
	"patcher": {
		"fileversion": 1,
		"appversion": {
			"major": 8,
			"minor": 5,
			"revision": 5,
			"architecture": "x64",
			"modernui": 1
		},
		"classnamespace": "box",
		"rect": [
			100.0,
			100.0,
			760.0,
			560.0
		],
		"openrect": [
			0.0,
			0.0,
			360.0,
			169.0
		],
		"openinpresentation": 1,
		"default_fontsize": 10.0,
		"default_fontface": 0,
		"default_fontname": "Arial",
		"gridonopen": 1,
		"gridsize": [
			8.0,
			8.0
		],
		"description": "LB Endless",
		"dependency_cache": [
			{
				"name": "endless.js",
				"type": "TEXT",
				"implicit": 1
			},
			{
				"name": "latentbridge.js",
				"type": "TEXT",
				"implicit": 1
			}
		],
		"latency": 0,
		"is_mpe": 0,
		"boxes": [
			{
				"box": {
					"id": "obj-1",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						420,
						220,
						22
					],
					"text": "js endless.js 127.0.0.1 9000",
					"numinlets": 1,
					"numoutlets": 4,
					"outlettype": [
						"",
						"",
						"",
						""
					],
					"varname": "script",
					"saved_object_attributes": {
						"filename": "endless.js",
						"parameter_enable": 0
					}
				}
			},
			{
				"box": {
					"id": "obj-2",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						330,
						90,
						22
					],
					"text": "live.thisdevice",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"bang",
						"int",
						"int"
					]
				}
			},
			{
				"box": {
					"id": "obj-3",
					"maxclass": "message",
					"patching_rect": [
						30,
						360,
						34,
						22
					],
					"text": "init",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-4",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						480,
						140,
						22
					],
					"text": "udpsend 127.0.0.1 9000",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": []
				}
			},
			{
				"box": {
					"id": "obj-5",
					"maxclass": "newobj",
					"patching_rect": [
						300,
						360,
						100,
						22
					],
					"text": "udpreceive 9100",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-6",
					"maxclass": "comment",
					"patching_rect": [
						180,
						480,
						300,
						20
					],
					"text": "starting...",
					"numinlets": 1,
					"numoutlets": 0,
					"fontsize": 9.5,
					"textcolor": [
						0.8,
						0.8,
						0.8,
						1.0
					],
					"varname": "status",
					"presentation": 1,
					"presentation_rect": [
						5,
						127,
						350,
						40
					]
				}
			},
			{
				"box": {
					"id": "obj-7",
					"maxclass": "comment",
					"patching_rect": [
						500,
						20,
						200,
						20
					],
					"text": "LB Endless",
					"numinlets": 1,
					"numoutlets": 0,
					"fontface": 1,
					"fontsize": 11.0,
					"presentation": 1,
					"presentation_rect": [
						5,
						2,
						300,
						18
					]
				}
			},
			{
				"box": {
					"id": "obj-8",
					"maxclass": "newobj",
					"patching_rect": [
						600,
						420,
						45,
						22
					],
					"text": "midiin",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"int"
					]
				}
			},
			{
				"box": {
					"id": "obj-9",
					"maxclass": "newobj",
					"patching_rect": [
						600,
						460,
						50,
						22
					],
					"text": "midiout",
					"numinlets": 1,
					"numoutlets": 0,
					"outlettype": []
				}
			},
			{
				"box": {
					"id": "obj-10",
					"maxclass": "live.text",
					"patching_rect": [
						420,
						330,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Ping button",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Ping button",
							"parameter_shortname": "Ping",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "Ping",
					"texton": "Ping",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						308,
						2,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-11",
					"maxclass": "newobj",
					"patching_rect": [
						420,
						355,
						24,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-12",
					"maxclass": "message",
					"patching_rect": [
						420,
						380,
						40,
						22
					],
					"text": "ping",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-46",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						460,
						160,
						22
					],
					"text": "pattr state @bindto script",
					"numinlets": 1,
					"numoutlets": 3,
					"outlettype": [
						"",
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "state",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Saved state",
							"parameter_shortname": "state",
							"parameter_type": 3,
							"parameter_invisible": 1,
							"parameter_initial_enable": 0
						}
					},
					"saved_object_attributes": {
						"parameter_enable": 1,
						"parameter_mappable": 0
					}
				}
			},
			{
				"box": {
					"id": "obj-101",
					"maxclass": "live.text",
					"patching_rect": [
						30,
						200,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Play",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Play",
							"parameter_shortname": "Play",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1
						}
					},
					"text": "Play",
					"texton": "Stop",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						5,
						25,
						60,
						20
					]
				}
			},
			{
				"box": {
					"id": "obj-102",
					"maxclass": "newobj",
					"patching_rect": [
						30,
						225,
						80,
						22
					],
					"text": "prepend play",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-103",
					"maxclass": "live.text",
					"patching_rect": [
						120,
						200,
						60,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Restart button",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Restart button",
							"parameter_shortname": "Restart",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1,
							"parameter_invisible": 2
						}
					},
					"text": "From bar 1",
					"texton": "From bar 1",
					"mode": 0,
					"presentation": 1,
					"presentation_rect": [
						70,
						25,
						70,
						20
					]
				}
			},
			{
				"box": {
					"id": "obj-104",
					"maxclass": "newobj",
					"patching_rect": [
						120,
						225,
						30,
						22
					],
					"text": "t b",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						"bang"
					]
				}
			},
			{
				"box": {
					"id": "obj-105",
					"maxclass": "message",
					"patching_rect": [
						120,
						250,
						60,
						22
					],
					"text": "restart",
					"numinlets": 2,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-106",
					"maxclass": "live.dial",
					"patching_rect": [
						200,
						20,
						44,
						36
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Pace",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Pace",
							"parameter_shortname": "Pace",
							"parameter_type": 0,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0.5
							],
							"parameter_mmin": 0.0,
							"parameter_mmax": 1.0
						}
					},
					"presentation": 1,
					"presentation_rect": [
						160,
						25,
						44,
						36
					]
				}
			},
			{
				"box": {
					"id": "obj-107",
					"maxclass": "newobj",
					"patching_rect": [
						200,
						70,
						100,
						22
					],
					"text": "prepend pace",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-108",
					"maxclass": "live.dial",
					"patching_rect": [
						320,
						20,
						44,
						36
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Density",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Density",
							"parameter_shortname": "Density",
							"parameter_type": 0,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								0.6
							],
							"parameter_mmin": 0.0,
							"parameter_mmax": 1.0
						}
					},
					"presentation": 1,
					"presentation_rect": [
						210,
						25,
						44,
						36
					]
				}
			},
			{
				"box": {
					"id": "obj-109",
					"maxclass": "newobj",
					"patching_rect": [
						320,
						70,
						100,
						22
					],
					"text": "prepend density",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-110",
					"maxclass": "live.text",
					"patching_rect": [
						40,
						300,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Drums",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Drums",
							"parameter_shortname": "Drums",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								1
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1
						}
					},
					"text": "Drums",
					"texton": "Drums",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						5,
						70,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-111",
					"maxclass": "newobj",
					"patching_rect": [
						40,
						320,
						110,
						22
					],
					"text": "prepend part drums",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-112",
					"maxclass": "live.text",
					"patching_rect": [
						140,
						300,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Bass",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Bass",
							"parameter_shortname": "Bass",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								1
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1
						}
					},
					"text": "Bass",
					"texton": "Bass",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						55,
						70,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-113",
					"maxclass": "newobj",
					"patching_rect": [
						140,
						320,
						110,
						22
					],
					"text": "prepend part bass",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-114",
					"maxclass": "live.text",
					"patching_rect": [
						240,
						300,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Lead",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Lead",
							"parameter_shortname": "Lead",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								1
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1
						}
					},
					"text": "Lead",
					"texton": "Lead",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						105,
						70,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-115",
					"maxclass": "newobj",
					"patching_rect": [
						240,
						320,
						110,
						22
					],
					"text": "prepend part lead",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-116",
					"maxclass": "live.text",
					"patching_rect": [
						340,
						300,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						""
					],
					"parameter_enable": 1,
					"varname": "Keys",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Keys",
							"parameter_shortname": "Keys",
							"parameter_type": 2,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								1
							],
							"parameter_enum": [
								"off",
								"on"
							],
							"parameter_mmax": 1
						}
					},
					"text": "Keys",
					"texton": "Keys",
					"mode": 1,
					"presentation": 1,
					"presentation_rect": [
						155,
						70,
						44,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-117",
					"maxclass": "newobj",
					"patching_rect": [
						340,
						320,
						110,
						22
					],
					"text": "prepend part keys",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			},
			{
				"box": {
					"id": "obj-118",
					"maxclass": "live.numbox",
					"patching_rect": [
						480,
						20,
						44,
						15
					],
					"numinlets": 1,
					"numoutlets": 2,
					"outlettype": [
						"",
						"float"
					],
					"parameter_enable": 1,
					"varname": "Seed",
					"saved_attribute_attributes": {
						"valueof": {
							"parameter_longname": "Seed",
							"parameter_shortname": "Seed",
							"parameter_type": 1,
							"parameter_initial_enable": 1,
							"parameter_initial": [
								-1
							],
							"parameter_mmin": -1,
							"parameter_mmax": 16777215
						}
					},
					"presentation": 1,
					"presentation_rect": [
						300,
						70,
						50,
						15
					]
				}
			},
			{
				"box": {
					"id": "obj-119",
					"maxclass": "newobj",
					"patching_rect": [
						480,
						45,
						80,
						22
					],
					"text": "prepend seed",
					"numinlets": 1,
					"numoutlets": 1,
					"outlettype": [
						""
					]
				}
			}
		],
		"lines": [
			{
				"patchline": {
					"source": [
						"obj-2",
						0
					],
					"destination": [
						"obj-3",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-3",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						0
					],
					"destination": [
						"obj-4",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						1
					],
					"destination": [
						"obj-5",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-5",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-1",
						2
					],
					"destination": [
						"obj-6",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-8",
						0
					],
					"destination": [
						"obj-9",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-10",
						0
					],
					"destination": [
						"obj-11",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-11",
						0
					],
					"destination": [
						"obj-12",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-12",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-101",
						0
					],
					"destination": [
						"obj-102",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-102",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-103",
						0
					],
					"destination": [
						"obj-104",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-104",
						0
					],
					"destination": [
						"obj-105",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-105",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-106",
						0
					],
					"destination": [
						"obj-107",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-107",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-108",
						0
					],
					"destination": [
						"obj-109",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-109",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-110",
						0
					],
					"destination": [
						"obj-111",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-111",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-112",
						0
					],
					"destination": [
						"obj-113",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-113",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-114",
						0
					],
					"destination": [
						"obj-115",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-115",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-116",
						0
					],
					"destination": [
						"obj-117",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-117",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-118",
						0
					],
					"destination": [
						"obj-119",
						0
					]
				}
			},
			{
				"patchline": {
					"source": [
						"obj-119",
						0
					],
					"destination": [
						"obj-1",
						0
					]
				}
			}
		]
	}
}
